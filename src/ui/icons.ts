/**
 * Tinker Doctor's icon, themed through the `jp-icon3` class of its SVG.
 */
import { LabIcon } from '@jupyterlab/ui-components';
import tinkerSvg from '../../style/icons/tinker.svg';

/** The wrench icon of the toolbar button and the panel tab. */
export const tinkerIcon = new LabIcon({
  name: 'tinker-doctor:tinker',
  svgstr: tinkerSvg
});
