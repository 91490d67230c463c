// jupyter-estimator: a sidebar run browser, a run view and a TensorBoard panel for JupyterLab.
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Clipboard, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';

import { request } from './api';
import { RunView } from './runview';
import { RunBrowser, STATUS_SCHEMA } from './sidebar';
import { TensorboardPanel, startTensorboard, tensorboardUrl } from './tensorboard';

const PLUGIN_ID = 'jupyter-estimator:plugin';
const ICON = new LabIcon({
  name: 'jupyter-estimator:runs',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3z"/><path class="jp-icon3" fill="#616161" d="M7 15l4-5 3 3 5-7 1.6 1.2-6.4 9-3-3-2.8 3.6z"/></svg>'
});

namespace CommandIDs {
  export const openRun = 'estimator:open-run';
  export const cancelRun = 'estimator:cancel-run';
  export const resubmitRun = 'estimator:resubmit-run';
  export const compareRuns = 'estimator:compare-runs';
  export const openTensorboard = 'estimator:open-tensorboard';
  export const copyRunId = 'estimator:copy-run-id';
  export const insertRunCode = 'estimator:insert-run-code';
  export const refresh = 'estimator:refresh-runs';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Run browser, run view and TensorBoard panel for jupyter_estimator.',
  autoStart: true,
  optional: [ILayoutRestorer, ISettingRegistry, INotebookTracker],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    notebooks: INotebookTracker | null
  ) => {
    const deepLink = new URLSearchParams(window.location.search).get('estimator-run');
    const settings = { refreshInterval: 30, defaultTarget: 'local', openTensorBoardInTab: true };
    const browser = new RunBrowser({ open: ids => openRuns(ids), refreshSeconds: settings.refreshInterval });
    browser.title.icon = ICON;
    app.shell.add(browser, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(browser, browser.id);
    }

    const views = new WidgetTracker<MainAreaWidget<RunView>>({ namespace: 'estimator-run' });
    const boards = new WidgetTracker<MainAreaWidget<TensorboardPanel>>({ namespace: 'estimator-tensorboard' });

    function openRuns(ids: string[]): void {
      const existing = views.find(w => w.content.runIds.join() === ids.join());
      if (existing) {
        app.shell.activateById(existing.id);
        return;
      }
      const widget = new MainAreaWidget({ content: new RunView(ids) });
      widget.id = `${widget.content.id}-panel`;
      widget.title.label = widget.content.title.label;
      widget.title.icon = ICON;
      void views.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    }

    function targetIds(args: any): string[] {
      if (args.id) {
        return [String(args.id)];
      }
      if (Array.isArray(args.ids)) {
        return args.ids.map(String);
      }
      return [...browser.selected];
    }

    const { commands } = app;
    commands.addCommand(CommandIDs.openRun, {
      label: 'Open Run',
      execute: args => {
        const ids = targetIds(args);
        if (ids.length) {
          openRuns(ids.slice(0, 1));
        }
      }
    });
    commands.addCommand(CommandIDs.compareRuns, {
      label: 'Compare Selected Runs',
      isEnabled: () => browser.selected.size > 1,
      execute: args => openRuns(targetIds(args))
    });
    /** POST runs/{id}/{action} for each target run, reporting failures, then refresh the list. */
    async function postEach(args: any, action: string, failure: string): Promise<void> {
      for (const id of targetIds(args)) {
        try {
          await request(`runs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
        } catch (error) {
          void showErrorMessage(failure, (error as Error).message);
        }
      }
      void browser.reload(false);
    }
    commands.addCommand(CommandIDs.cancelRun, {
      label: 'Cancel Run',
      execute: args => postEach(args, 'cancel', 'Cancel failed')
    });
    commands.addCommand(CommandIDs.resubmitRun, {
      label: 'Re-submit Run',
      execute: args => postEach(args, 'resubmit', 'Re-submit failed')
    });
    commands.addCommand(CommandIDs.openTensorboard, {
      label: 'Open TensorBoard',
      execute: async args => {
        const ids = targetIds(args);
        if (!ids.length) {
          return;
        }
        if (!settings.openTensorBoardInTab) {
          const info = await startTensorboard(ids);
          window.open(tensorboardUrl(info), '_blank');
          return;
        }
        const existing = boards.find(w => w.content.runs.join() === ids.join());
        if (existing) {
          app.shell.activateById(existing.id);
          return;
        }
        const widget = new MainAreaWidget({ content: new TensorboardPanel(ids) });
        widget.id = `${widget.content.id}-panel`;
        widget.title.label = widget.content.title.label;
        void boards.add(widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
      }
    });
    commands.addCommand(CommandIDs.copyRunId, {
      label: 'Copy Run Id',
      execute: args => Clipboard.copyToSystem(targetIds(args).join('\n'))
    });
    commands.addCommand(CommandIDs.insertRunCode, {
      label: 'Insert Run(experiment, id) in the Notebook',
      isEnabled: () => !!notebooks?.currentWidget,
      execute: args => {
        const panel = notebooks?.currentWidget;
        if (!panel) {
          return;
        }
        const lines = ['from jupyter_estimator import Workspace, Experiment, Run'];
        for (const id of targetIds(args)) {
          const run = browser.run(id);
          const experiment = run?.experiment ?? id.split('_').slice(0, -2).join('_');
          lines.push(`run = Run(Experiment(Workspace(), ${JSON.stringify(experiment)}), ${JSON.stringify(id)})`);
        }
        NotebookActions.insertBelow(panel.content);
        panel.content.activeCell?.model.sharedModel.setSource(lines.join('\n'));
      }
    });
    commands.addCommand(CommandIDs.refresh, { label: 'Refresh Runs', execute: () => browser.reload(false) });

    const selector = '.jest-lab-run-row';
    [CommandIDs.openRun, CommandIDs.cancelRun, CommandIDs.resubmitRun, CommandIDs.compareRuns, CommandIDs.openTensorboard,
     CommandIDs.copyRunId, CommandIDs.insertRunCode].forEach((command, rank) =>
      app.contextMenu.addItem({ command, selector, rank })
    );

    if (restorer) {
      void restorer.restore(views, {
        command: CommandIDs.openRun,
        args: w => ({ ids: w.content.runIds, id: w.content.runIds.length === 1 ? w.content.runIds[0] : '' }),
        name: w => w.content.runIds.join(',')
      });
      void restorer.restore(boards, {
        command: CommandIDs.openTensorboard,
        args: w => ({ ids: w.content.runs }),
        name: w => w.content.runs.join(',')
      });
    }

    app.serviceManager.events.stream.connect((_sender, event: any) => {
      if (event.schema_id === STATUS_SCHEMA) {
        browser.onStatusEvent(event);
      }
    });

    if (settingRegistry) {
      try {
        const loaded = await settingRegistry.load(PLUGIN_ID);
        const apply = () => {
          settings.refreshInterval = loaded.get('refreshInterval').composite as number;
          settings.defaultTarget = loaded.get('defaultTarget').composite as string;
          settings.openTensorBoardInTab = loaded.get('openTensorBoardInTab').composite as boolean;
          browser.refreshSeconds = settings.refreshInterval;
        };
        apply();
        loaded.changed.connect(apply);
      } catch (error) {
        console.warn('jupyter-estimator: settings unavailable', error);
      }
    }

    if (deepLink) {
      void app.restored.then(() => openRuns([deepLink]));
    }
  }
};

export default plugin;
