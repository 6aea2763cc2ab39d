/** The voice panel: the meter and who is talking on one line, the talking state in the toolbar's words. */
export const VOICE_CSS = `
.ra-voice p { margin: .25rem 0; }
.ra-voice .ra-voice-who { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; }
.ra-voice .ra-voice-who[hidden] { display: none; }
.ra-voice meter { width: 8rem; height: 1rem; vertical-align: middle; }
.ra-voice #ra-voice-you, .ra-voice #ra-voice-peer { font-weight: 600; color: #1e6b2d; }
.ra-voice #ra-voice-peer.ra-muted { color: #5a5f66; }
.ra-voice #ra-voice-peer:empty, .ra-voice #ra-voice-you:empty { display: none; }
`;
