/** The screen panel's look; adopted as a constructed sheet (CSP). The frame fills the console's main area. */
export const SCREEN_CSS = `
.ra-screen-frame { position: relative; flex: 1; min-height: 0; overflow: auto; display: flex; background: #2b2f36; }
.ra-screen-frame > #ra-screen { flex: none; display: block; margin: auto; }
#ra-screen-cursor { position: absolute; pointer-events: none; }
.ra-screen-note { flex: none; margin: .5rem; }
.ra-zoom { display: flex; }
.ra-picture { display: flex; align-items: center; gap: .3rem; white-space: nowrap; }
.ra-screen-stats { position: absolute; top: .5rem; right: .5rem; z-index: 2; padding: .4rem .6rem; border-radius: .4rem;
  background: rgba(20, 22, 26, .85); color: #f2f4f7; font: 12px/1.5 system-ui, sans-serif; pointer-events: none; }
.ra-zoom .ra-btn:first-child { border-radius: .4rem 0 0 .4rem; }
.ra-zoom .ra-btn:last-child { border-radius: 0 .4rem .4rem 0; margin-left: -1px; }
`;
