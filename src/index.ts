/**
 * Tinker Doctor's plugins. Wiring only: each role lives in its own module
 * (`kernel/` talks to the kernel, `ui/` shows the results, `engine/` turns
 * facts into findings).
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ICodeCellModel } from '@jupyterlab/cells';
import { JSONObject } from '@lumino/coreutils';
import {
  EditorExtensionRegistry,
  IEditorExtensionRegistry
} from '@jupyterlab/codemirror';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { CommandIDs, PANEL_ID, PLUGIN_ID } from './tokens';
import { chartsPlugin, TimingCommandIDs } from './ui/chartsPlugin';
import { correctnessActions, correctnessPlugin } from './ui/correctnessPlugin';
import { OutputDecoder } from './ui/outputDecoder';
import { CellWarningsModel, NotebookDecorator } from './ui/cellWarnings';
import { cellWarningsExtension } from './ui/cellWarningsEditor';
import { tinkerIcon } from './ui/icons';
import { jumpToCell } from './ui/jump';
import { NotebookDoctor } from './ui/notebookDoctor';
import { TriagePanel } from './ui/panel';

/** The main plugin: commands, panel, kernel bridges and cell warnings. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Diagnose Tinker training runs from the notebook.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ILayoutRestorer, ICommandPalette, IEditorExtensionRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    editorExtensions: IEditorExtensionRegistry | null
  ) => {
    const warnings = new CellWarningsModel();
    const doctors = new Map<NotebookPanel, NotebookDoctor>();
    const current = (): NotebookDoctor | null =>
      tracker.currentWidget
        ? (doctors.get(tracker.currentWidget) ?? null)
        : null;

    const panel = new TriagePanel({
      icon: tinkerIcon,
      onDiagnose: () => void app.commands.execute(CommandIDs.diagnose),
      onJump: (doctor, target) => {
        app.shell.activateById(doctor.panel.id);
        void jumpToCell(doctor.panel, target);
      }
    });
    app.shell.add(panel, 'right', { rank: 1000 });
    restorer?.add(panel, PANEL_ID);

    panel.addAction({
      id: 'smoke',
      label: 'Run smoke test',
      caption: 'Ask the Tinker service for its capabilities from the kernel',
      path: 'service',
      isRunning: doctor => doctor.checksRunning.has('smoke'),
      execute: doctor =>
        doctor.runCheck('smoke', { createClient: false, timeoutS: 10 })
    });
    panel.addAction({
      id: 'renderer',
      label: 'Check renderer',
      caption: "Compare the renderer's tokens with the chat template's",
      path: 'renderer',
      isRunning: doctor => doctor.checksRunning.has('renderer'),
      execute: doctor => {
        // The check reads the renderer and model from the cells when no
        // client or renderer object is live in the kernel yet; execution
        // counts say which cell ran last where the kernel keeps no history.
        const cellSources = doctor.panel.content.widgets
          .filter(cell => cell.model.type === 'code')
          .map(cell => ({
            source: cell.model.sharedModel.getSource(),
            executionCount: (cell.model as ICodeCellModel).executionCount
          }));
        const model = doctor.facts()?.modelsInUse?.[0];
        return doctor.runCheck('renderer', {
          cellSources,
          ...(model ? { model } : {})
        });
      }
    });
    correctnessActions(app).forEach(action => panel.addAction(action));
    panel.addAction({
      id: 'timing',
      label: 'Where the time goes',
      caption:
        'Chart the recent cell runs (requests, waits, GIL stalls) and a ' +
        'run folder’s metrics.jsonl',
      path: 'performance',
      isRunning: doctor => doctor.checksRunning.has('timeline'),
      execute: async doctor => {
        await doctor.runCheck('timeline', {});
        const runs = (doctor.facts()?.checks?.timeline as JSONObject)?.runs;
        await app.commands.execute(TimingCommandIDs.open, {
          ...(Array.isArray(runs) ? { timeline: runs } : {})
        });
      }
    });

    tracker.widgetAdded.connect((_, notebookPanel) => {
      const doctor = new NotebookDoctor({ panel: notebookPanel, warnings });
      const decorator = new NotebookDecorator(notebookPanel, warnings);
      doctors.set(notebookPanel, doctor);
      notebookPanel.disposed.connect(() => {
        doctors.delete(notebookPanel);
        decorator.dispose();
        doctor.dispose();
        if (panel.doctor === doctor) {
          panel.setDoctor(current());
        }
      });
      if (tracker.currentWidget === notebookPanel) {
        panel.setDoctor(doctor);
      }
    });
    // Errors and Tinker log lines in outputs are decoded where they appear;
    // "more" opens the panel on the notebook they belong to.
    // It lives as long as the application, like the tracker it follows.
    new OutputDecoder(tracker, (_finding, owner) => {
      const doctor = doctors.get(owner);
      if (doctor) {
        panel.setDoctor(doctor);
      }
      app.shell.activateById(panel.id);
    });

    tracker.currentChanged.connect(() => {
      panel.setDoctor(current());
      app.commands.notifyCommandChanged(CommandIDs.diagnose);
    });

    editorExtensions?.addExtension({
      name: 'tinker-doctor:cell-warnings',
      factory: options => {
        const id = (options.model as { id?: unknown }).id;
        return typeof id === 'string'
          ? EditorExtensionRegistry.createImmutableExtension(
              cellWarningsExtension(warnings, id)
            )
          : null;
      }
    });

    app.commands.addCommand(CommandIDs.diagnose, {
      label: 'Diagnose Tinker',
      caption: 'Check the kernel and the notebook for Tinker problems',
      icon: tinkerIcon,
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const doctor = current();
        if (!doctor) {
          return;
        }
        panel.setDoctor(doctor);
        app.shell.activateById(panel.id);
        await doctor.diagnose();
      }
    });
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Show the Tinker Doctor Panel',
      icon: tinkerIcon,
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.jumpToCell, {
      label: 'Jump to a Cell and Line',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            cellId: { type: 'string' },
            cellIndex: { type: 'number' },
            line: { type: 'number' }
          }
        }
      },
      execute: async args => {
        const notebookPanel = tracker.currentWidget;
        if (!notebookPanel) {
          return false;
        }
        return jumpToCell(notebookPanel, {
          cellId: typeof args.cellId === 'string' ? args.cellId : null,
          cellIndex: typeof args.cellIndex === 'number' ? args.cellIndex : null,
          line: typeof args.line === 'number' ? args.line : null
        });
      }
    });
    if (palette) {
      const category = 'Tinker Doctor';
      palette.addItem({ command: CommandIDs.diagnose, category });
      palette.addItem({ command: CommandIDs.openPanel, category });
    }
  }
};

export default [plugin, chartsPlugin, correctnessPlugin];
