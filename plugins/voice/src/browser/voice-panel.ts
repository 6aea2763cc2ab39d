import type { Disposable } from '@ra/kernel';
import type { UiContext, UiPanel } from '@ra/plugin-session/api';
import { h, sentence } from '@ra/plugin-session/dom';
import type { PageCommand, VoiceView } from '../common/messages.js';
import { MicrophoneError } from './microphone.js';
import { TalkAudio } from './talk-audio.js';

/** Above this RMS a side counts as talking (about -34 dBFS). */
const TALKING = 0.02;
const YES_PAUSE_MS = 1000;

/** The voice panel of both consoles: Start Talking, Mute and Stop Talking in the toolbar; the other side's Yes / No. */
export function voicePanel(): UiPanel {
  return {
    id: 'voice',
    title: 'Voice',
    roles: ['helper', 'novice'],
    order: 10,
    render(host: HTMLElement, context: UiContext): Disposable {
      const sessionId = context.session!.id;
      const peer = context.session!.peerName;
      const post = (command: PageCommand) => context.post('voice', JSON.stringify(command));
      let view: VoiceView | undefined;
      /** What this page's own devices said, which its RA does not know. */
      let trouble: string | undefined;

      const start = h('button', { id: 'ra-start-talking', class: 'ra-btn', onclick: () => void startTalking() }, 'Start Talking');
      const mute = h(
        'button',
        { id: 'ra-mute', class: 'ra-btn secondary', 'aria-pressed': 'false', onclick: () => post({ t: 'mute', muted: !view?.muted }) },
        'Mute',
      );
      const stop = h('button', { id: 'ra-stop-talking', class: 'ra-btn secondary', onclick: () => post({ t: 'stop' }) }, 'Stop Talking');
      const tools = [context.toolbar(start, 5), context.toolbar(mute, 5), context.toolbar(stop, 5)];
      const state = h('p', { id: 'ra-voice-state' });
      const why = h('p', { id: 'ra-voice-why', class: 'ra-hint' });
      const note = h('p', { id: 'ra-voice-note', role: 'status' });
      const dialog = h('div', { id: 'ra-voice-dialog' });
      const level = h('meter', { id: 'ra-voice-level', min: '0', max: '1', low: '0.25', high: '0.75', optimum: '0.5', 'aria-label': 'Your microphone level' });
      const you = h('span', { id: 'ra-voice-you' });
      const them = h('span', { id: 'ra-voice-peer' });
      const who = h('div', { class: 'ra-voice-who', hidden: true }, h('label', {}, 'Your microphone ', level), you, them);
      host.classList.add('ra-voice');
      host.append(state, why, note, dialog, who);

      const audio = new TalkAudio(sessionId, {
        frame: (frame) => context.post('voice', frame),
        level: (whose, value) => {
          if (whose === 'own') {
            // A meter in dB (speech at -30 dBFS sits in the middle) that falls back slowly, so a word stays visible.
            level.value = Math.max(0, 1 + Math.log10(value + 1e-6) / 3, level.value * 0.85);
            you.textContent = value > TALKING && !view?.muted ? 'You are talking' : '';
          } else if (!view?.peerMuted) them.textContent = value > TALKING ? `${peer} is talking` : '';
        },
        stats: (s) => Object.assign(host.dataset, { queueMs: String(s.queuedMs), targetMs: String(s.targetMs), underruns: String(s.underruns) }),
      });

      /** In a click: the audio this page will talk with; false, saying why, when the browser has none. */
      const prepare = () => {
        try {
          audio.prepare();
          return true;
        } catch (e) {
          failed((e as Error).message);
          return false;
        }
      };
      const startTalking = async () => {
        trouble = undefined;
        if (!prepare()) return;
        // A microphone the browser already refuses: say so now, rather than ask the other side for nothing.
        const permission = await navigator.permissions?.query({ name: 'microphone' as PermissionName }).catch(() => undefined);
        if (permission?.state === 'denied') {
          trouble = 'The browser does not allow this page to use the microphone: allow it (the icon in the address bar), then try again.';
          return show();
        }
        post({ t: 'start' });
      };
      // Both may fail at once (no speakers, and no microphone either): each is said.
      const failed = (what: string) => {
        trouble = [trouble, sentence(what)].filter(Boolean).join(' ');
        show();
      };
      const begin = (v: VoiceView) =>
        audio
          .begin(v.encoding, failed)
          .then(() => show())
          .catch((e: Error) => {
            failed(e.message);
            // The other side should know why it hears nothing; listening goes on.
            if (e instanceof MicrophoneError) post({ t: 'trouble', what: e.message });
          });

      const show = () => {
        const v = view;
        if (!v) return;
        // Only the page where Start Talking or Yes was clicked talks: another window showing the session stays quiet.
        const here = audio.prepared || audio.active;
        const talking = v.phase === 'talking';
        if (talking && here && !audio.active) void begin(v);
        if (v.phase === 'idle' && audio.prepared) audio.end();
        host.dataset.phase = v.phase;
        host.dataset.microphone = audio.microphoneOpen ? 'open' : 'closed';
        if (audio.decoding) host.dataset.decoder = audio.decoding;
        start.hidden = v.phase !== 'idle';
        start.disabled = !!v.unavailable;
        mute.hidden = !talking;
        mute.textContent = v.muted ? 'Unmute' : 'Mute';
        mute.setAttribute('aria-pressed', String(v.muted));
        stop.hidden = v.phase === 'idle' || v.phase === 'asked';
        stop.textContent = v.phase === 'asking' ? 'Stop Asking' : 'Stop Talking';
        state.textContent = talking && !here ? `Talking with ${v.peerName} in another window of RA.` : stateText(v);
        why.textContent = v.unavailable && v.phase === 'idle' ? `Start Talking is not available: ${v.unavailable}.` : '';
        note.textContent = trouble ?? (v.note ? sentence(v.note) : '');
        note.className = trouble ? 'ra-error' : '';
        who.hidden = !talking;
        if (!talking) you.textContent = them.textContent = '';
        if (v.peerMuted || them.classList.contains('ra-muted')) them.textContent = v.peerMuted ? `${peer} muted their microphone` : '';
        them.classList.toggle('ra-muted', v.peerMuted);
        if (v.phase !== 'asked') dialog.replaceChildren();
        else if (!dialog.firstChild) dialog.replaceChildren(askDialog(peer, answer));
        // With nothing to say the panel takes no room: Start Talking is in the toolbar, and the side dock's height is chat's.
        host.hidden = v.phase === 'idle' && !why.textContent && !note.textContent;
      };
      const answer = (yes: boolean) => {
        trouble = undefined;
        post({ t: 'answer', yes: yes && prepare() });
      };

      const listening = context.onMessage('voice', (payload) => {
        if (typeof payload !== 'string') return audio.play(payload);
        const next = JSON.parse(payload) as VoiceView;
        // A device's trouble belongs to the talk it spoiled: when it ends, the reason it ended is what to read.
        if (view?.phase === 'talking' && next.phase !== 'talking') trouble = undefined;
        if (next.peerMuted && !view?.peerMuted) audio.quiet();
        if (next.muted !== view?.muted) audio.mute(next.muted);
        view = next;
        show();
      });
      post({ t: 'hello' });
      return {
        dispose: () => {
          audio.end();
          listening.dispose();
          tools.forEach((t) => t.dispose());
        },
      };
    },
  };
}

function stateText(v: VoiceView): string {
  if (v.phase === 'talking') return `Talking with ${v.peerName}.`;
  if (v.phase === 'asking') return `Waiting for ${v.peerName} to answer…`;
  if (v.phase === 'asked') return `${v.peerName} wants to talk with you.`;
  return 'Not talking.';
}

/** "NAME wants to talk with you — Yes / No", as in Windows Remote Assistance. */
function askDialog(peer: string, answer: (yes: boolean) => void): HTMLElement {
  // Yes takes a second to become clickable: a click aimed at something else as the dialog appears is not a Yes.
  const yes = h('button', { id: 'ra-voice-yes', class: 'ra-btn', disabled: true, onclick: () => answer(true) }, 'Yes');
  setTimeout(() => (yes.disabled = false), YES_PAUSE_MS);
  return h(
    'div',
    { class: 'ra-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ra-voice-ask' },
    h(
      'div',
      {},
      h('h2', { id: 'ra-voice-ask' }, `${peer} wants to talk with you`),
      h('p', {}, 'Your microphone turns on only if you say Yes. Either of you can stop talking at any time.'),
      h('div', { class: 'ra-row' }, yes, h('button', { id: 'ra-voice-no', class: 'ra-btn secondary', onclick: () => answer(false) }, 'No')),
    ),
  );
}
