/**
 * The session plugin's look; adopted as a constructed sheet, which the page's CSP allows. The page never scrolls as a
 * whole: the novice's bar, the helper's tabs and toolbar stay put, and only the area below them scrolls.
 */
export const SESSION_CSS = `
.ra-app { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.ra-scroll { flex: 1; min-height: 0; overflow: auto; }
.ra-scroll.ra-behind { flex: 0 0 0; overflow: hidden; visibility: hidden; }
.ra-behind .ra-dialog { visibility: visible; }
.ra-page { width: 100%; max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
.ra-lost { flex: none; margin: 0; padding: .6rem 1.25rem; background: var(--ra-danger-bg); color: var(--ra-danger-text); font-weight: 600; }
.ra-home { display: grid; gap: 1.5rem; }
.ra-choices { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.ra-choice { color: #1b2330; font: inherit; font-size: 1.15rem; padding: 1.25rem; border-radius: .75rem; border: 1px solid #c8d3e0; background: #f4f8fc; cursor: pointer; text-align: left; }
.ra-choice:hover, .ra-choice:focus { background: #e6f0fb; outline: 2px solid #2f6fb3; }
.ra-choice strong { display: block; font-size: 1.25rem; margin-bottom: .3rem; color: #1d4f85; }
.ra-status-open { color: #1e6b2d; font-weight: 600; }
.ra-picker { display: grid; gap: .25rem; }
.ra-picker[hidden] { display: none; }

.ra-session-bar { flex: none; display: grid; gap: .45rem; padding: .6rem 1.25rem .7rem; background: #1d4f85; color: #fff; box-shadow: 0 2px 8px rgba(0, 0, 0, .25); position: relative; z-index: 5; }
.ra-session-bar[data-control="true"] { background: #9a3d00; }
.ra-bar-title { margin: 0; font-size: 1.05rem; }
.ra-people { list-style: none; margin: 0; padding: 0; display: grid; gap: .35rem; }
.ra-person { display: flex; flex-wrap: wrap; align-items: center; gap: .35rem .9rem; padding: .35rem .4rem .35rem .75rem; background: rgba(255, 255, 255, .12); border-radius: .5rem; }
.ra-person-name { font-size: 1.05rem; }
.ra-person-code { font-size: .85rem; opacity: .85; }
.ra-person-path { font-size: .85rem; opacity: .85; }
.ra-person-path:empty, .ra-person-note:empty { display: none; }
.ra-rights { list-style: none; display: flex; gap: .3rem; margin: 0; padding: 0; flex-wrap: wrap; }
.ra-right { font-size: .8rem; font-weight: 600; padding: .05rem .55rem; border-radius: 999px; background: #fff; color: #1d4f85; }
.ra-right[data-right="control"] { background: #ffd9b3; color: #6b2a00; }
.ra-person-actions { margin-left: auto; display: flex; gap: .4rem; }
.ra-session-bar .ra-btn, .ra-with .ra-btn { min-height: 2.4rem; padding: .3rem .9rem; font-size: .95rem; }
.ra-session-bar .ra-btn.danger { border-color: #fff; }
.ra-btn.warn { background: #fff; color: #8a3500; border-color: #fff; }
.ra-ended-list { display: grid; gap: .35rem; }
.ra-ended-list:empty { display: none; }
.ra-ended { display: flex; gap: .75rem; align-items: center; margin: 0; padding: .35rem .4rem .35rem .75rem; background: #fff; color: #1d2330; border-radius: .5rem; }
.ra-ended .ra-btn { margin-left: auto; }

.ra-with-list { width: 100%; max-width: 72rem; margin: 0 auto; padding: 1.5rem 1.5rem 0; display: grid; gap: 1rem; }
.ra-with-list:empty { display: none; }
.ra-with { display: grid; gap: .75rem; padding: 1rem 1.25rem; border: 1px solid #c8d3e0; border-radius: .75rem; background: #fff; }
.ra-with-head { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; justify-content: space-between; }
.ra-with-head h2 { margin: 0; font-size: 1.2rem; }
.ra-with-panels { display: grid; gap: .75rem; }

.ra-tabs { flex: none; display: flex; gap: .3rem; padding: .4rem .75rem 0; background: #dfe6ef; border-bottom: 1px solid #c3cedb; overflow-x: auto; }
.ra-tab { display: flex; align-items: stretch; flex: none; border-radius: .5rem .5rem 0 0; background: #c9d5e3; }
.ra-tab:has(> [aria-selected="true"]) { background: #1d4f85; }
.ra-tab-button { min-height: 0; padding: .35rem .9rem; background: transparent; color: #1d2330; border-radius: .5rem .5rem 0 0; display: flex; gap: .5rem; align-items: baseline; }
.ra-tab-button[aria-selected="true"] { color: #fff; }
.ra-tab-state { font-weight: normal; font-size: .8rem; opacity: .8; }
.ra-tab[data-state="open"] .ra-tab-state::before { content: "● "; color: #2e9d46; }
.ra-tab[data-state="reconnecting"] .ra-tab-state::before { content: "● "; color: #b58100; }
.ra-tab[data-state="ended"] .ra-tab-name { text-decoration: line-through; text-decoration-thickness: 1px; }
.ra-tab-close { min-height: 0; padding: 0 .65rem; background: transparent; color: inherit; font-size: 1.2rem; line-height: 1; }
.ra-tab:has(> [aria-selected="true"]) .ra-tab-close { color: #fff; }

.ra-desk-host { flex: 1; min-height: 0; display: flex; }
.ra-desk-host[hidden] { display: none; }
.ra-desk { flex: 1; min-width: 0; min-height: 0; display: flex; flex-direction: column; }
.ra-toolbar { flex: none; display: flex; flex-wrap: wrap; align-items: center; gap: .45rem .75rem; padding: .45rem .75rem; background: #1d4f85; color: #fff; }
.ra-tools { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.ra-tools:empty { display: none; }
.ra-tool { display: flex; align-items: center; gap: .4rem; }
.ra-toolbar .ra-btn { min-height: 2.3rem; padding: .25rem .85rem; font-size: .95rem; border-color: #fff; }
.ra-toolbar .ra-btn.secondary { background: transparent; color: #fff; border-color: rgba(255, 255, 255, .55); }
.ra-toolbar .ra-btn[aria-pressed="true"] { background: #fff; color: #1d4f85; }
.ra-status { margin-left: auto; display: flex; gap: .75rem; align-items: center; white-space: nowrap; font-size: .95rem; }
.ra-toolbar .ra-code { font-size: 1rem; }
.ra-status-path { font-size: .85rem; opacity: .9; }
.ra-outage { margin: 0; padding: .4rem .75rem; background: #fff4ce; color: #5c4400; border-bottom: 1px solid #e8d48a; font-weight: 600; }
.ra-delivery { font-size: .9rem; overflow-wrap: anywhere; }
/* The row's actions stack, small: the table fits the column beside the home panels without scrolling. */
#ra-invitations td.ra-row { flex-direction: column; align-items: stretch; gap: .3rem; }
#ra-invitations td.ra-row .ra-btn { padding: .3rem .6rem; font-size: .85rem; white-space: nowrap; }
.ra-delivery[data-state="accepted"] { color: #1e6b2d; font-weight: 600; }
.ra-delivery[data-state="declined"], .ra-delivery[data-state="failed"] { color: var(--ra-danger-text); }
.ra-work { flex: 1; min-height: 0; display: flex; background: #2b2f36; }
.ra-dock-main { flex: 1; min-width: 0; min-height: 0; display: flex; flex-direction: column; }
.ra-dock-main:empty { display: none; }
.ra-dock-main > .ra-panel { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.ra-dock-main > .ra-panel[hidden] { display: none; }
.ra-dock-side { flex: 0 0 clamp(15rem, 26vw, 22rem); min-height: 0; overflow-y: auto; display: flex; flex-direction: column; gap: .75rem; padding: .75rem; border-left: 1px solid #c3cedb; background: var(--ra-bg); }
.ra-dock-side:not(:has(> .ra-panel:not([hidden]))) { display: none; }
.ra-dock-side > .ra-panel { flex: none; }
.ra-dock-side > .ra-panel[hidden] { display: none; }
.ra-desk-card { flex: 1; overflow: auto; padding: 2rem; display: flex; justify-content: center; align-items: flex-start; background: var(--ra-bg); }
.ra-desk-card:empty { display: none; }
.ra-desk-message { width: 100%; max-width: 38rem; }
.ra-consent-others { padding: .6rem .9rem; border-radius: .5rem; background: #fff4e5; border: 1px solid #f0c27a; }
.ra-consent-others p { margin: .2rem 0; font-weight: 600; }
`;
