import type { Disposable, Workbench } from '@ra/kernel';
import type { RemoteSurface } from '@ra/plugin-screen/api';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import type { ControlView } from '../common/messages.js';
import { captureInput } from './input-capture.js';

/** Who may do what, in the words each side reads. */
function stateText(v: ControlView): string {
  const peer = v.peerName;
  if (v.role === 'helper') {
    if (v.phase === 'shared') return `You share control of ${peer}'s computer. Press Esc to stop.`;
    if (v.phase === 'requested') return `Waiting for ${peer} to answer…`;
    return `View Only: you can see ${peer}'s screen.`;
  }
  if (v.phase === 'shared') return `${peer} shares control of your mouse and keyboard. Press Esc or Stop Control to end it.`;
  if (v.phase === 'requested') return `${peer} asks to share control of your computer.`;
  return `${peer} can see your screen (View Only).`;
}

/** The control panel of both consoles: state, Take Control / Stop Control, the novice's Yes / No. */
export function controlPanel(workbench: Workbench): UiPanel {
  return {
    id: 'control',
    title: 'Take Control',
    roles: ['helper', 'novice'],
    order: -10,
    render(host: HTMLElement, context: UiContext): Disposable {
      const sessionId = context.session!.id;
      const state = element('p', 'ra-control-state');
      const note = element('p', 'ra-control-note');
      const take = button('ra-take-control', 'Take Control', () => act('request'));
      // The novice's Stop Control sits on the shared desktop, where the helper's injected input reaches
      // it as it reaches any window: a click by the helper can only end control, since a stop never
      // grants or resumes anything, and a page the helper covers, closes or grabs away still leaves
      // Esc, which no helper input reaches (InputSink.watchEscape). The trust issue's desktop
      // indicator must keep this: its Stop only ends control (POST /api/control/:id/stop), and no
      // window the helper can click is ever the novice's only way out.
      const stopButton = button('ra-stop-control', 'Stop Control', () => act('stop'));
      const why = element('p', 'ra-control-why');
      const dialog = element('div', 'ra-control-request');
      host.append(state, take, stopButton, why, note, dialog);
      let capture: Disposable | undefined;
      let surfaceWatch: Disposable | undefined;

      const act = (what: 'request' | 'stop' | 'answer', body?: unknown) =>
        void workbench.request('POST', `/api/control/${sessionId}/${what}`, body).catch((e: Error) => (note.textContent = e.message));
      const stopCapture = () => {
        surfaceWatch?.dispose();
        capture?.dispose();
        surfaceWatch = capture = undefined;
      };
      const show = (v: ControlView) => {
        state.textContent = stateText(v);
        host.dataset.phase = v.phase;
        note.textContent = v.note ?? '';
        const helper = v.role === 'helper';
        take.hidden = !helper || v.phase === 'shared';
        take.disabled = v.phase !== 'view-only' || !!v.unavailable;
        why.textContent = helper && v.unavailable ? `Take Control is not available: ${v.unavailable}.` : '';
        stopButton.hidden = v.phase !== 'shared';
        dialog.replaceChildren(...(!helper && v.phase === 'requested' ? [requestDialog(v, (yes) => act('answer', { grant: yes }))] : []));
        if (helper && v.phase === 'shared' && !surfaceWatch) {
          surfaceWatch = watchSurface(workbench, sessionId, (surface) => {
            capture?.dispose();
            capture =
              surface &&
              captureInput(
                surface,
                (m) => context.post('control', JSON.stringify(m)),
                () => context.post('control', JSON.stringify({ t: 'stop', cause: 'esc' })),
              );
          });
        } else if (v.phase !== 'shared') stopCapture();
      };

      const socket = workbench.connect('/api/control/live');
      socket.onClose(() => {
        stopCapture();
        take.disabled = true;
        state.textContent = "Take Control is not available right now: RA's control plugin is not running on this computer.";
      });
      socket.onMessage((data) => {
        if (typeof data !== 'string') return;
        const view = (JSON.parse(data) as ControlView[]).find((v) => v.sessionId === sessionId);
        if (view) show(view);
      });
      return {
        dispose: () => {
          stopCapture();
          socket.dispose();
        },
      };
    },
  };
}

/** "NAME would like to share control of your computer", as in Windows, with Yes and No. */
function requestDialog(v: ControlView, answer: (yes: boolean) => void): HTMLElement {
  const box = document.createElement('div');
  box.className = 'ra-dialog';
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  const inner = document.createElement('div');
  const title = document.createElement('h2');
  title.textContent = `${v.peerName} would like to share control of your computer`;
  const text = document.createElement('p');
  text.textContent = 'They will be able to use your mouse and keyboard alongside you. Press Esc or click Stop Control at any time to take it back.';
  const row = document.createElement('div');
  row.className = 'ra-row';
  row.append(
    button('ra-control-yes', 'Yes', () => answer(true)),
    button('ra-control-no', 'No', () => answer(false), 'secondary'),
  );
  inner.append(title, text, row);
  box.append(inner);
  return box;
}

function element(tag: string, id: string): HTMLElement {
  const el = document.createElement(tag);
  el.id = id;
  return el;
}

function button(id: string, label: string, onClick: () => void, kind = ''): HTMLButtonElement {
  const b = document.createElement('button');
  b.id = id;
  b.className = `ra-btn ${kind}`.trim();
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/** Calls `listener` with the session's screen surface now and whenever another takes its place. */
function watchSurface(workbench: Workbench, sessionId: string, listener: (surface: RemoteSurface | undefined) => void): Disposable {
  const find = () => workbench.contributions('RemoteSurface').find((s) => s.sessionId === sessionId);
  let current = find();
  listener(current);
  return workbench.onDidChange('RemoteSurface', () => {
    const next = find();
    if (next !== current) listener((current = next));
  });
}
