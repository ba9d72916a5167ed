/**
 * Output correctness in the UI: the command `tinker-doctor:compare-outputs`
 * that shows a comparison result as a chart in the main area, and the panel
 * actions that start the kernel's merge verification and output comparison
 * (asking for their inputs in a dialog, with the active cell as the cell
 * the result is linked to).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Dialog, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { JSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { ICompareCheck } from '../engine/correctness/checks';
import { CorrectnessChart } from './correctnessChart';
import { el } from './dom';
import { NotebookDoctor } from './notebookDoctor';
import { IPanelAction } from './panel';

/** Command ids of this plugin. */
export namespace CorrectnessCommandIDs {
  /**
   * Show (or refresh) the output comparison chart. Args: `result`, a
   * comparison result as `facts.checks.compare` holds it.
   */
  export const compareOutputs = 'tinker-doctor:compare-outputs';
}

/** The output correctness plugin (the chart command). */
export const correctnessPlugin: JupyterFrontEndPlugin<void> = {
  id: 'tinker-doctor:correctness',
  description: 'Output comparison chart for Tinker vs an external engine.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    let widget: MainAreaWidget<CorrectnessChart> | null = null;
    app.commands.addCommand(CorrectnessCommandIDs.compareOutputs, {
      label: 'Tinker Doctor: Compare Outputs Chart',
      caption: "Per-token logprob differences, external engine vs Tinker's",
      describedBy: {
        args: {
          type: 'object',
          properties: { result: { type: 'object' } }
        }
      },
      execute: args => {
        const result = Private.asResult(args.result);
        if (!widget || widget.isDisposed) {
          widget = new MainAreaWidget({
            content: new CorrectnessChart(result)
          });
          widget.id = 'tinker-doctor-compare';
          widget.title.label = 'Tinker vs engine';
          widget.title.closable = true;
        } else if (result) {
          widget.content.setResult(result);
        }
        if (!widget.isAttached) {
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
        return widget.content;
      }
    });
  }
};

/**
 * The panel actions of the output-correctness section: "Verify merge" and
 * "Compare outputs". The lead wires them with `panel.addAction`.
 */
export function correctnessActions(app: JupyterFrontEnd): IPanelAction[] {
  return [
    {
      id: 'merge-verify',
      label: 'Verify merge',
      caption:
        'Check in the kernel that merged − base equals the adapter’s ' +
        'scaled B·A, tensor by tensor',
      path: 'output-correctness',
      isRunning: doctor => doctor.checksRunning.has('mergeVerify'),
      execute: async doctor => {
        const args = await Private.ask(doctor, 'mergeVerify', [
          ['base', 'Base model folder (safetensors)'],
          ['adapter', 'Adapter folder (adapter_config.json)'],
          ['merged', 'Merged model folder (safetensors)']
        ]);
        if (args) {
          await doctor.runCheck('mergeVerify', args);
        }
      }
    },
    {
      id: 'compare',
      label: 'Compare outputs',
      caption:
        'Compare a Tinker sample in the kernel with an external engine’s ' +
        'response file',
      path: 'output-correctness',
      isRunning: doctor => doctor.checksRunning.has('compare'),
      execute: async doctor => {
        const args = await Private.ask(doctor, 'compare', [
          ['tinker', 'Variable with Tinker’s sample (e.g. response)'],
          ['externalPath', 'Engine response JSON file (vLLM/SGLang)'],
          ['prompt', 'Variable with Tinker’s prompt (optional)'],
          ['tokenizer', 'Local tokenizer name or folder (optional)']
        ]);
        if (!args) {
          return;
        }
        await doctor.runCheck('compare', args);
        const result = doctor.facts()?.checks?.compare;
        if (result && typeof result === 'object') {
          await app.commands.execute(CorrectnessCommandIDs.compareOutputs, {
            result: result as JSONObject
          });
        }
      }
    }
  ];
}

export default correctnessPlugin;

namespace Private {
  /** Last inputs per check, so a second run starts from them. */
  const remembered = new Map<string, Record<string, string>>();

  /** The result when it looks like a comparison result. */
  export function asResult(value: unknown): ICompareCheck | null {
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as ICompareCheck)
      : null;
  }

  /** Ask for a check's inputs; null when cancelled or nothing was given. */
  export async function ask(
    doctor: NotebookDoctor,
    check: string,
    fields: Array<[string, string]>
  ): Promise<JSONObject | null> {
    const body = new Form(fields, remembered.get(check) ?? {});
    const answer = await showDialog({
      title: check === 'compare' ? 'Compare outputs' : 'Verify merge',
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })],
      focusNodeSelector: 'input'
    });
    if (!answer.button.accept || !answer.value) {
      return null;
    }
    remembered.set(check, answer.value);
    const args: JSONObject = {};
    for (const [key, value] of Object.entries(answer.value)) {
      if (value.trim()) {
        args[key] = value.trim();
      }
    }
    const cellId = doctor.panel.content.activeCell?.model.id;
    if (cellId) {
      args.cellId = cellId;
    }
    return args;
  }

  /** A dialog body of labelled text inputs. */
  class Form
    extends Widget
    implements Dialog.IBodyWidget<Record<string, string>>
  {
    constructor(
      fields: Array<[string, string]>,
      values: Record<string, string>
    ) {
      super();
      this.addClass('jp-TinkerDoctor-checkForm');
      for (const [key, label] of fields) {
        const input = el('input');
        input.type = 'text';
        input.name = key;
        input.value = values[key] ?? '';
        input.className = 'jp-mod-styled';
        input.style.width = '100%';
        const row = el('label', undefined, label);
        row.style.display = 'block';
        row.style.marginBottom = '6px';
        row.appendChild(input);
        this.node.appendChild(row);
        this._inputs.push(input);
      }
    }

    getValue(): Record<string, string> {
      const out: Record<string, string> = {};
      for (const input of this._inputs) {
        out[input.name] = input.value;
      }
      return out;
    }

    private _inputs: HTMLInputElement[] = [];
  }
}
