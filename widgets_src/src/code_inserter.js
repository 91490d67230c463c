// EstimatorForm's "Insert code" button (anywidget ESM). It inserts a code cell below the form's cell at once,
// in the browser, through the notebook model of the widget manager that renders it (the manager of
// @jupyter-widgets/jupyterlab-manager, used by JupyterLab 4 and Notebook 7). The kernel is not involved, so
// nothing waits for another cell to run. Where no notebook model is reachable (other front ends), the code
// is shown under the button, ready to copy. It tells the kernel what happened ({type: "inserted" | "shown"}).

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
const handled = new Set();  // insert requests from the kernel already served by one of this widget's views

function notebookModel(model) {
  const manager = model.widget_manager;
  const notebook = manager && manager.context && manager.context.model;
  return notebook && notebook.sharedModel && typeof notebook.sharedModel.insertCell === "function" ? notebook : null;
}

function shows(cell, modelId) {
  const outputs = cell.outputs;
  if (!outputs || !modelId) return false;
  for (let i = 0; i < outputs.length; i++) {
    const view = (outputs.get(i).data || {})[WIDGET_VIEW];
    if (view && view.model_id === modelId) return true;
  }
  return false;
}

/** The index of the cell whose output shows the form; failing that, the cell holding this view's node. */
function anchorIndex(notebook, anchor, node) {
  const cells = notebook.cells;
  for (let i = 0; i < cells.length; i++) if (shows(cells.get(i), anchor)) return i;
  const cellNode = node.closest(".jp-Cell");
  const notebookNode = cellNode && cellNode.closest(".jp-Notebook");
  if (notebookNode) {
    const all = [...notebookNode.querySelectorAll(".jp-Cell")].filter((n) => n.closest(".jp-Notebook") === notebookNode);
    if (all.length === cells.length && all.indexOf(cellNode) >= 0) return all.indexOf(cellNode);
  }
  return cells.length - 1;
}

function render({ model, el }) {
  el.classList.add("jest-code-inserter");
  const button = document.createElement("button");
  button.className = "jest-insert-code jupyter-button";
  const fallback = document.createElement("div");
  fallback.className = "jest-code-fallback";

  const insert = () => {
    const code = model.get("code");
    const notebook = notebookModel(model);
    if (notebook) {
      const index = anchorIndex(notebook, model.get("anchor"), el) + 1;
      notebook.sharedModel.insertCell(index, { cell_type: "code", source: code, metadata: {} });
      fallback.replaceChildren();
      model.send({ type: "inserted", index });
      return;
    }
    const pre = document.createElement("pre");
    pre.textContent = code;
    const copy = document.createElement("button");
    copy.className = "jupyter-button";
    copy.textContent = "Copy";
    copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(code));
    fallback.replaceChildren("This front end lets no widget add cells: copy the code into a new cell.", copy, pre);
    model.send({ type: "shown" });
  };

  const draw = () => {
    const icon = document.createElement("i");
    icon.className = "fa fa-code";  // the Font Awesome icon ipywidgets' own buttons use
    button.replaceChildren(icon, " " + model.get("description"));
    button.disabled = model.get("disabled");
    button.title = model.get("tooltip") || "Insert the code that makes this run in a new cell below";
  };
  button.addEventListener("click", insert);
  const onMessage = (message) => {
    if (message && message.type === "insert" && !handled.has(message.request)) {
      handled.add(message.request);
      insert();
    }
  };
  model.on("change:description change:disabled change:tooltip", draw);
  model.on("msg:custom", onMessage);
  draw();
  el.append(button, fallback);
  return () => {
    model.off("change:description change:disabled change:tooltip", draw);
    model.off("msg:custom", onMessage);
  };
}

export default { render };
