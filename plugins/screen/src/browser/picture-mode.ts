import { PictureModes, type PictureMode } from '../common/messages.js';

const KEY = 'ra.screen.picture';
const LABELS: Record<PictureMode, string> = { automatic: 'Automatic', best: 'Best picture', least: 'Least data' };
const HINTS: Record<PictureMode, string> = {
  automatic: 'Big changes come as video and turn exact as soon as they stop; small ones are always exact',
  best: 'Every pixel exact, always: more data on a slow link',
  least: 'Big changes as coarser video: for a slow or metered link',
};

/** The helper's picture choice, kept in this browser. */
export function savedPictureMode(): PictureMode {
  const saved = localStorage.getItem(KEY);
  return PictureModes.find((m) => m === saved) ?? 'automatic';
}

/** The toolbar's picture choice: Automatic, Best picture, Least data. */
export function pictureChoice(current: PictureMode, chosen: (mode: PictureMode) => void): HTMLElement {
  const label = document.createElement('label');
  label.className = 'ra-picture';
  label.textContent = 'Picture ';
  const select = document.createElement('select');
  select.id = 'ra-picture';
  for (const mode of PictureModes) select.append(new Option(LABELS[mode], mode, false, mode === current));
  select.title = HINTS[current];
  select.addEventListener('change', () => {
    const mode = select.value as PictureMode;
    localStorage.setItem(KEY, mode);
    select.title = HINTS[mode];
    chosen(mode);
  });
  label.append(select);
  return label;
}
