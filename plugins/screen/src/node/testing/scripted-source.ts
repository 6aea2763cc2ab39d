import type { CaptureSink, CaptureSource, ScreenGeometry } from '../../common/api.js';

/** A capture source a spec drives through its sink: it sizes the screen, and shows `first` whole when given. */
export function scriptedSource(geometry: ScreenGeometry, first?: Uint8Array) {
  let sink!: CaptureSink;
  let refreshes = 0;
  const capture: CaptureSource = {
    id: 'scripted',
    title: 'Scripted',
    available: async () => true,
    async start(_display, s) {
      sink = s;
      s.resize(geometry);
      if (first) s.update({ x: 0, y: 0, ...geometry, stride: geometry.width * 4, data: first });
      return { geometry, refresh: () => void refreshes++, dispose() {} };
    },
  };
  return { capture, sink: () => sink, refreshes: () => refreshes };
}
