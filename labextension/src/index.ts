// jupyter-estimator: a sidebar run browser, a run view and a TensorBoard panel for JupyterLab.
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Clipboard, ICommandPalette, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';

import { IRun, request, runPath } from './api';
import { RunView } from './runview';
import { isFinal } from './shared/status';
import { RunBrowser, STATUS_SCHEMA } from './sidebar';
import { TensorboardPanel, startTensorboard, tensorboardUrl } from './tensorboard';

const PLUGIN_ID = 'jupyter-estimator:plugin';
const ICON = new LabIcon({
  name: 'jupyter-estimator:runs',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3z"/><path class="jp-icon3" fill="#616161" d="M7 15l4-5 3 3 5-7 1.6 1.2-6.4 9-3-3-2.8 3.6z"/></svg>'
});

const CommandIDs = {
  openRun: 'estimator:open-run',
  cancelRun: 'estimator:cancel-run',
  resubmitRun: 'estimator:resubmit-run',
  compareRuns: 'estimator:compare-runs',
  openTensorboard: 'estimator:open-tensorboard',
  copyRunId: 'estimator:copy-run-id',
  insertRunCode: 'estimator:insert-run-code',
  refresh: 'estimator:refresh-runs',
  showRuns: 'estimator:show-runs'
} as const;

const CATEGORY = 'Estimator';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Run browser, run view and TensorBoard panel for jupyter_estimator.',
  autoStart: true,
  optional: [ILayoutRestorer, ISettingRegistry, INotebookTracker, ICommandPalette],
  activate: async (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    notebooks: INotebookTracker | null,
    palette: ICommandPalette | null
  ) => {
    const deepLink = new URLSearchParams(window.location.search).get('estimator-run');
    const settings = { refreshInterval: 30, openTensorBoardInTab: true };
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
      const widget = new MainAreaWidget({ content: new RunView(ids, actions) });
      widget.id = `${widget.content.id}-panel`;
      widget.title.label = widget.content.title.label;
      widget.title.icon = ICON;
      void views.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    }

    const { commands } = app;
    const actions = {
      cancel: (id: string) => commands.execute(CommandIDs.cancelRun, { id }) as Promise<void>,
      resubmit: (id: string) => commands.execute(CommandIDs.resubmitRun, { id, open: true }) as Promise<void>,
      tensorboard: (ids: string[]) => commands.execute(CommandIDs.openTensorboard, { ids }) as Promise<void>,
      open: (id: string) => openRuns([id])
    };

    function targetIds(args: any): string[] {
      if (args.id) {
        return [String(args.id)];
      }
      if (Array.isArray(args.ids)) {
        return args.ids.map(String);
      }
      return [...browser.selected];
    }

    const hasSelection = (args: any) => targetIds(args).length > 0;
    commands.addCommand(CommandIDs.openRun, {
      label: 'Open Run',
      caption: 'Open the selected run in the run view',
      isEnabled: hasSelection,
      execute: args => {
        const ids = targetIds(args);
        if (ids.length) {
          // several ids given explicitly (a restored compare view) open together; a selection opens its first
          openRuns(!args.id && Array.isArray(args.ids) ? ids : ids.slice(0, 1));
        }
      }
    });
    commands.addCommand(CommandIDs.compareRuns, {
      label: 'Compare Selected Runs',
      isEnabled: () => browser.selected.size > 1,
      execute: args => openRuns(targetIds(args))
    });
    /** POST runs/{id}/{action} for each target run, reporting failures, then refresh the list. */
    async function postEach(args: any, action: string, failure: string): Promise<IRun[]> {
      const answers: IRun[] = [];
      for (const id of targetIds(args)) {
        try {
          answers.push(await request<IRun>(runPath(id, `/${action}`), { method: 'POST' }));
        } catch (error) {
          void showErrorMessage(failure, (error as Error).message);
        }
      }
      void browser.reload(false);
      return answers;
    }
    commands.addCommand(CommandIDs.cancelRun, {
      label: 'Cancel Run',
      caption: 'Cancel the selected runs',
      isEnabled: args => targetIds(args).some(id => !isFinal(browser.run(id)?.status)),
      execute: async args => {
        await postEach(args, 'cancel', 'Cancel failed');
      }
    });
    commands.addCommand(CommandIDs.resubmitRun, {
      label: 'Re-submit Run',
      caption: 'Submit the selected runs again: same snapshot, arguments, environment and target',
      isEnabled: hasSelection,
      execute: async args => {
        const created = await postEach(args, 'resubmit', 'Re-submit failed');
        if (args.open && created.length === 1) {
          openRuns([created[0].id]);
        }
      }
    });
    commands.addCommand(CommandIDs.openTensorboard, {
      label: 'Open TensorBoard',
      caption: "TensorBoard over the selected runs' logs/ folders",
      isEnabled: hasSelection,
      execute: async args => {
        const ids = targetIds(args);
        if (!ids.length) {
          return;
        }
        if (!settings.openTensorBoardInTab) {
          try {
            const info = await startTensorboard(ids);
            window.open(tensorboardUrl(info), '_blank');
          } catch (error) {
            void showErrorMessage('TensorBoard could not start', (error as Error).message);
          }
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
      isEnabled: hasSelection,
      execute: args => Clipboard.copyToSystem(targetIds(args).join('\n'))
    });
    commands.addCommand(CommandIDs.insertRunCode, {
      label: 'Insert Run(experiment, id) in the Notebook',
      isEnabled: args => !!notebooks?.currentWidget && hasSelection(args),
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
    commands.addCommand(CommandIDs.showRuns, { label: 'Show Runs', caption: 'Show the run browser', execute: () => app.shell.activateById(browser.id) });
    if (palette) {
      [CommandIDs.showRuns, CommandIDs.refresh, CommandIDs.openRun, CommandIDs.compareRuns, CommandIDs.cancelRun, CommandIDs.resubmitRun,
       CommandIDs.openTensorboard, CommandIDs.copyRunId, CommandIDs.insertRunCode].forEach(command =>
        palette.addItem({ command, category: CATEGORY })
      );
    }

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
