/** For specs in test/: the CA folder and the CRL writer, to make lists no CLI would (one already out of date). */
export { CaFolder } from '../node/ca/ca-folder.js';
export { mintCrl } from '../node/ca/crl.js';
