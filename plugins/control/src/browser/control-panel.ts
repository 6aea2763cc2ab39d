import type { Disposable, Workbench } from '@ra/kernel';
import type { RemoteSurface } from '@ra/plugin-screen/api';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import type { ControlView } from '../common/messages.js';
import { captureInput, STOP_CHORD } from './input-capture.js';

/** Who may do what, in the words each side reads. */
function stateText(v: ControlView): string {
  const peer = v.peerName;
  if (v.role === 'helper') {
    if (v.phase === 'shared')
      return `You share control of ${peer}'s computer${left(v)}. Esc goes to their programs; ${STOP_CHORD} or Stop Control ends control.`;
    if (v.phase === 'requested') return `Waiting for ${peer} to answer…`;
    return `View Only: you can see ${peer}'s screen.`;
  }
  if (v.phase === 'shared') return `${peer} shares control of your mouse and keyboard${left(v)}. Press Esc or Stop Control to end it.`;
  if (v.phase === 'requested') return `${peer} asks to share control of your computer.`;
  return `${peer} can see your screen (View Only).`;
}

/** ", for 29 more minutes" while control is time-boxed. */
function left(v: ControlView): string {
  if (v.endsInMs === undefined) return '';
  const minutes = Math.ceil(v.endsInMs / 60_000);
  return minutes > 1 ? ` for ${minutes} more minutes` : ' for less than a minute more';
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
      host.append(state, why, note, dialog);
      // The helper's Take Control / Stop Control sit in the console's toolbar; the novice's Stop in the panel.
      const tools = context.role === 'helper' ? [context.toolbar(take, -10), context.toolbar(stopButton, -10)] : [];
      if (context.role !== 'helper') host.insertBefore(stopButton, why);
      let capture: Disposable | undefined;
      let surfaceWatch: Disposable | undefined;
      let countdown: Disposable | undefined;

      const act = (what: 'request' | 'stop' | 'answer' | 'extend', body?: unknown) =>
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
        countdown?.dispose();
        countdown = undefined;
        if (!helper && v.phase === 'requested') {
          const asked = requestDialog(v, (yes) => act('answer', { grant: yes }));
          dialog.replaceChildren(asked.element);
          countdown = asked;
        } else if (!helper && v.extendAsked) {
          dialog.replaceChildren(extendDialog(v, (yes) => act(yes ? 'extend' : 'stop')));
        } else dialog.replaceChildren();
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
          countdown?.dispose();
          tools.forEach((t) => t.dispose());
          socket.dispose();
        },
      };
    },
  };
}

/**
 * "NAME would like to share control of your computer", as in Windows, with the scam warning; Yes
 * stays inactive through the pause, counting down, so nobody on the phone can rush the novice.
 */
function requestDialog(v: ControlView, answer: (yes: boolean) => void): Disposable & { element: HTMLElement } {
  const warning = paragraph('Only allow this if you contacted this person yourself. Scammers call and ask for control.', 'ra-error ra-control-warning');
  const text = paragraph('They will be able to use your mouse and keyboard alongside you. Press Esc or click Stop Control at any time to take it back.');
  const yes = button('ra-control-yes', 'Yes', () => answer(true));
  const element = dialogBox(
    `${v.peerName} would like to share control of your computer`,
    [warning, text],
    [yes, button('ra-control-no', 'No', () => answer(false), 'secondary')],
  );
  const until = Date.now() + (v.yesInMs ?? 0);
  const tick = () => {
    const wait = Math.ceil((until - Date.now()) / 1000);
    yes.disabled = wait > 0;
    yes.textContent = wait > 0 ? `Yes (${wait})` : 'Yes';
  };
  tick();
  const timer = setInterval(tick, 250);
  return { element, dispose: () => clearInterval(timer) };
}

/** A minute before the time box ends: keep sharing, or let it end. No answer ends it. */
function extendDialog(v: ControlView, answer: (yes: boolean) => void): HTMLElement {
  const text = paragraph(`Control ends in less than a minute unless you keep sharing it. If you say nothing, ${v.peerName} goes back to View Only.`);
  return dialogBox(
    `Keep sharing control with ${v.peerName}?`,
    [text],
    [button('ra-control-extend', 'Keep sharing', () => answer(true)), button('ra-control-end', 'End control', () => answer(false), 'secondary')],
  );
}

function dialogBox(heading: string, body: HTMLElement[], buttons: HTMLElement[]): HTMLElement {
  const box = document.createElement('div');
  box.className = 'ra-dialog';
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  const inner = document.createElement('div');
  const title = document.createElement('h2');
  title.textContent = heading;
  const row = document.createElement('div');
  row.className = 'ra-row';
  row.append(...buttons);
  inner.append(title, ...body, row);
  box.append(inner);
  return box;
}

function paragraph(text: string, className = ''): HTMLElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
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
