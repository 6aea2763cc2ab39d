/** The session plugin's look; adopted as a constructed sheet, which the page's CSP allows. */
export const SESSION_CSS = `
.ra-home { display: grid; gap: 1.5rem; }
.ra-choices { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.ra-choice { color: #1b2330; font: inherit; font-size: 1.15rem; padding: 1.25rem; border-radius: .75rem; border: 1px solid #c8d3e0; background: #f4f8fc; cursor: pointer; text-align: left; }
.ra-choice:hover, .ra-choice:focus { background: #e6f0fb; outline: 2px solid #2f6fb3; }
.ra-choice strong { display: block; font-size: 1.25rem; margin-bottom: .3rem; color: #1d4f85; }
.ra-card { border: 1px solid #d7dee8; border-radius: .75rem; padding: 1rem 1.25rem; background: #fff; }
.ra-card h2 { margin-top: 0; font-size: 1.2rem; }
.ra-form { display: grid; gap: .75rem; max-width: 36rem; }
.ra-form label { display: grid; gap: .25rem; font-weight: 600; }
.ra-form input, .ra-form textarea, .ra-form select { font: inherit; padding: .5rem; border: 1px solid #b8c4d3; border-radius: .4rem; font-weight: normal; }
.ra-row { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.ra-btn { font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 1px solid #2f6fb3; background: #2f6fb3; color: #fff; cursor: pointer; }
.ra-btn.secondary { background: #fff; color: #2f6fb3; }
.ra-btn.danger { background: #b3261e; border-color: #b3261e; }
.ra-note { padding: .75rem 1rem; border-radius: .5rem; background: #eef6ee; border: 1px solid #9cc59c; }
.ra-error { padding: .75rem 1rem; border-radius: .5rem; background: #fdecea; border: 1px solid #e0a39e; color: #8a1c14; }
.ra-table { width: 100%; border-collapse: collapse; }
.ra-table th, .ra-table td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e3e8ef; }
.ra-status-open { color: #1e6b2d; font-weight: 600; }
.ra-code { font-family: ui-monospace, monospace; font-size: 1.2rem; letter-spacing: .1em; color: #1b2330; background: #f1f3f6; padding: .1rem .4rem; border-radius: .3rem; }
.ra-dialog { position: fixed; inset: 0; background: rgba(20,30,45,.45); display: grid; place-items: center; z-index: 10; }
.ra-dialog > div { background: #fff; border-radius: .9rem; padding: 1.5rem; max-width: 30rem; box-shadow: 0 10px 40px rgba(0,0,0,.3); }
.ra-console { display: grid; gap: .75rem; }
.ra-console-bar { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; justify-content: space-between; padding: .6rem 1rem; border-radius: .6rem; background: #1d4f85; color: #fff; }
.ra-console-bar .ra-btn { border-color: #fff; }
`;
