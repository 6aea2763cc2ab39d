export { Spake2, Spake2Error, type Spake2Identities, type Spake2Result, type Spake2Role } from './spake2.js';
export { INVITATION_SECRET_BYTES, passwordScalar } from './password.js';
export { safetyCode } from './safety-code.js';
