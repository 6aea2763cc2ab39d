import { ApiError } from '@ra/kernel';

/** One address, `name@example.org`: no display name, no list, nothing a header or a URL could be bent by. */
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const MAX_ADDRESS = 254;

/** The address, trimmed; a clear message naming `what` (the helper's, the sender) when it is not one address. */
export function checkAddress(text: string, what = "helper's"): string {
  const address = text.trim();
  if (!address) throw new ApiError(400, `give the ${what} e-mail address, like ada@example.org`);
  if (address.length > MAX_ADDRESS || !ADDRESS.test(address)) {
    const shown = address.length > 60 ? `${address.slice(0, 60)}…` : address;
    throw new ApiError(400, `'${shown}' is not an e-mail address: write one address, like ada@example.org`);
  }
  return address;
}
