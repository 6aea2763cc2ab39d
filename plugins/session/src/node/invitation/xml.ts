import { createRequire } from 'node:module';
import type { SaxesParser as Parser, SaxesTagNS } from 'saxes';

/** saxes is loaded when an invitation is first read, not at every start. */
const load = createRequire(import.meta.url);
const SaxesParser = (): typeof Parser => (load('saxes') as { SaxesParser: typeof Parser }).SaxesParser;
import { clip, InvitationError } from './error.js';

const ENCODINGS = { 'utf-8': ['utf-8'], 'utf-16': ['utf-16', 'utf-16le', 'utf-16be', 'unicode'] };
type Encoding = keyof typeof ENCODINGS;

/**
 * Decodes an invitation (UTF-8, or UTF-16 with a byte order mark) and parses it strictly: exactly
 * `<UPLOADINFO TYPE="Escalated"><UPLOADDATA …/></UPLOADINFO>`, no DTD, no processing instructions,
 * no text, no namespaces. Returns the UPLOADDATA attributes. A DTD is refused before the parser
 * sees a byte, so no entity is ever expanded.
 */
export function parseInvitationXml(input: string | Uint8Array): Map<string, string> {
  const { text, encoding } = typeof input === 'string' ? { text: input.replace(/^\uFEFF/, ''), encoding: undefined } : decode(input);
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) {
    throw new InvitationError('the invitation contains a DTD (<!DOCTYPE or <!ENTITY), which RA refuses');
  }
  const parser = new (SaxesParser())({ xmlns: true, position: true });
  let depth = 0;
  let data: Map<string, string> | undefined;
  parser.on('xmldecl', (decl) => {
    if (decl.version !== '1.0') throw new InvitationError(`the invitation is XML ${clip(String(decl.version))}; RA reads XML 1.0`);
    const declared = decl.encoding;
    const allowed = encoding ? ENCODINGS[encoding] : Object.values(ENCODINGS).flat();
    if (declared !== undefined && !allowed.includes(declared.toLowerCase())) {
      throw new InvitationError(`the invitation declares the encoding ${clip(declared)} but is ${encoding ?? 'text'}`);
    }
  });
  parser.on('doctype', () => {
    throw new InvitationError('the invitation contains a DTD (<!DOCTYPE or <!ENTITY), which RA refuses');
  });
  parser.on('processinginstruction', ({ target }) => {
    throw new InvitationError(`the invitation contains a processing instruction <?${clip(target)}?>`);
  });
  parser.on('cdata', () => {
    throw new InvitationError('the invitation contains a CDATA section');
  });
  parser.on('text', (t) => {
    if (/\S/.test(t)) throw new InvitationError('the invitation contains text outside its attributes');
  });
  parser.on('opentag', (tag) => {
    if (depth === 0) checkRoot(tag);
    else if (depth === 1 && tag.name === 'UPLOADDATA' && tag.uri === '' && !data) data = attributesOf(tag);
    else throw new InvitationError(`the invitation has an unexpected element <${clip(tag.name)}>`);
    depth++;
  });
  parser.on('closetag', () => depth--);
  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof InvitationError) throw e;
    throw new InvitationError(`the invitation is not well-formed XML (is it truncated?): ${(e as Error).message}`);
  }
  if (!data) throw new InvitationError('the invitation has no UPLOADDATA element');
  return data;
}

function checkRoot(tag: SaxesTagNS): void {
  if (tag.name !== 'UPLOADINFO' || tag.uri !== '') {
    throw new InvitationError(`this is not a Remote Assistance invitation: its root element is <${clip(tag.name)}>, not <UPLOADINFO>`);
  }
  const attributes = attributesOf(tag);
  const type = attributes.get('TYPE');
  if (type !== 'Escalated' || attributes.size !== 1) {
    throw new InvitationError(`this is not a Remote Assistance invitation: UPLOADINFO must have only TYPE="Escalated"`);
  }
}

function attributesOf(tag: SaxesTagNS): Map<string, string> {
  return new Map(Object.values(tag.attributes).map((a) => [a.name, a.value]));
}

function decode(bytes: Uint8Array): { text: string; encoding: Encoding } {
  const [label, encoding, skip]: [string, Encoding, number] =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? ['utf-16le', 'utf-16', 2]
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? ['utf-16be', 'utf-16', 2]
        : ['utf-8', 'utf-8', bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0];
  try {
    return { text: new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(skip)), encoding };
  } catch {
    throw new InvitationError(`the invitation is not valid ${label.toUpperCase()} text (RA reads UTF-8, or UTF-16 with a byte order mark)`);
  }
}
