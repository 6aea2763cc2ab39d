/** The session plugin's look; adopted as a constructed sheet, which the page's CSP allows. */
export const SESSION_CSS = `
.ra-home { display: grid; gap: 1.5rem; }
.ra-choices { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.ra-choice { color: #1b2330; font: inherit; font-size: 1.15rem; padding: 1.25rem; border-radius: .75rem; border: 1px solid #c8d3e0; background: #f4f8fc; cursor: pointer; text-align: left; }
.ra-choice:hover, .ra-choice:focus { background: #e6f0fb; outline: 2px solid #2f6fb3; }
.ra-choice strong { display: block; font-size: 1.25rem; margin-bottom: .3rem; color: #1d4f85; }
.ra-status-open { color: #1e6b2d; font-weight: 600; }
.ra-console { display: grid; gap: .75rem; margin-bottom: 1rem; }
.ra-panels { display: grid; gap: .75rem; }
.ra-console-bar { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; justify-content: space-between; padding: .6rem 1rem; border-radius: .6rem; background: #1d4f85; color: #fff; }
.ra-console-bar .ra-btn { border-color: #fff; }
`;
