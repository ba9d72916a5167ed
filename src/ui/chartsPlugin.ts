/**
 * A small plugin that opens the timing view in the main area, through the
 * command `tinker-doctor:open-timing`. It lets users (and the UI tests)
 * reach the charts on their own; the panel embeds the same `TimingView`.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { readNotebook } from '../engine/notebook';
import { TimingView } from './charts/timingView';

/** Command ids of this plugin. */
export namespace TimingCommandIDs {
  /**
   * Open (or focus) the timing view. Optional args: `metricsPath` (a run
   * folder or metrics.jsonl, relative to the server root), `timelinePath`
   * (a saved timeline JSON), `timeline` (the agent's export() data).
   */
  export const open = 'tinker-doctor:open-timing';
}

/** The timing charts plugin. */
export const chartsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'tinker-doctor:timing-charts',
  description: 'Step breakdown and timeline charts for Tinker runs.',
  autoStart: true,
  optional: [INotebookTracker, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null,
    palette: ICommandPalette | null
  ) => {
    let widget: MainAreaWidget<TimingView> | null = null;
    const currentNotebook = () => {
      const panel = tracker?.currentWidget;
      const model = panel?.content.model;
      if (!panel || !model) {
        return null;
      }
      try {
        const path = panel.context.path;
        const dir = path.includes('/')
          ? path.slice(0, path.lastIndexOf('/'))
          : '';
        return { input: readNotebook(model.toJSON()), dir };
      } catch {
        return null;
      }
    };
    app.commands.addCommand(TimingCommandIDs.open, {
      label: 'Tinker Doctor: Where the Time Goes',
      caption: 'Step breakdown from metrics.jsonl and the cell-run timeline',
      execute: async args => {
        if (!widget || widget.isDisposed) {
          const content = new TimingView({
            contents: app.serviceManager.contents,
            serverSettings: app.serviceManager.serverSettings,
            notebook: currentNotebook
          });
          widget = new MainAreaWidget({ content });
          widget.id = 'tinker-doctor-timing';
          widget.title.label = 'Where the time goes';
          widget.title.closable = true;
        }
        if (!widget.isAttached) {
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
        const view = widget.content;
        const loads: Promise<void>[] = [];
        if (typeof args.metricsPath === 'string') {
          loads.push(view.loadMetricsFile(args.metricsPath));
        }
        if (typeof args.timelinePath === 'string') {
          loads.push(view.loadTimelineFile(args.timelinePath));
        }
        if (args.timeline !== undefined) {
          view.setTimeline(args.timeline);
        }
        await Promise.all(loads);
      }
    });
    palette?.addItem({ command: TimingCommandIDs.open, category: 'Tinker' });
  }
};

export default chartsPlugin;
