import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

/**
 * Tinker Doctor's plugins. Wiring only: each role lives in its own module.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'tinker-doctor:plugin',
  description: 'Diagnose Tinker training runs from the notebook.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    // TODO(scaffold): the panel, kernel bridge and commands are being wired.
  }
};

export default plugin;
