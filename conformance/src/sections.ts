/**
 * The RFC sections the cases rest on, with their titles, and how `--cases` picks cases by id or
 * by section prefix.
 */

/** RFC 6455 unless the section names another RFC. */
export const SECTION_TITLES: Record<string, string> = {
  '4.1': 'Client requirements',
  '4.2.1': "Reading the client's opening handshake",
  '4.2.2': "Sending the server's opening handshake",
  '4.4': 'Supporting multiple versions',
  '5.1': 'Framing: who masks',
  '5.2': 'Base framing protocol',
  '5.3': 'Client-to-server masking',
  '5.4': 'Fragmentation',
  '5.5': 'Control frames',
  '5.5.1': 'Close',
  '5.5.2': 'Ping',
  '5.5.3': 'Pong',
  '5.6': 'Data frames',
  '7.1.1': 'Closing the TCP connection',
  '7.1.2': 'Starting the closing handshake',
  '7.1.4': 'The closing handshake',
  '7.1.5': 'The connection close code',
  '7.4.1': 'Defined status codes',
  '7.4.2': 'Reserved status code ranges',
  '8.1': 'Handling errors in UTF-8',
  '9.1': 'Negotiating extensions',
  '10.4': 'Implementation-specific limits',
  'RFC 9110 5.1': 'Field names',
  'RFC 9110 5.3': 'Field order',
  'RFC 9110 5.4': 'Field limits',
  'RFC 9110 5.6.1': 'Lists',
  'RFC 9110 7.2': 'Host',
  'RFC 9110 7.4': 'Rejecting misdirected requests',
  'RFC 9110 9.1': 'Methods',
  'RFC 9110 15.5.22': '426 Upgrade Required',
  'RFC 9112 2.2': 'Message parsing',
  'RFC 9112 3.2': 'Request target',
  'RFC 9112 5.1': 'Field line parsing',
  'RFC 9112 5.2': 'Obsolete line folding',
};

/** `5.5.2` stays; `RFC 9110 7.2` becomes `9110-7.2`: what ids start with and `--cases` takes. */
export function sectionKey(section: string): string {
  const other = /^RFC (\d+) (.+)$/.exec(section);
  return other ? `${other[1]}-${other[2]}` : section;
}

/** `5.5.2 Ping`, `RFC 9110 7.2 Host`. */
export function sectionHeading(section: string): string {
  const title = SECTION_TITLES[section];
  return title ? `${section} ${title}` : section;
}

/**
 * True when a `--cases` item picks the case: its id (`5.5.2/3`), its section, or a prefix of its
 * section that ends at a dot (`5.5` picks 5.5, 5.5.1, 5.5.2, not 5.50); `9110` picks every RFC
 * 9110 case. `RFC 9110 7.2` is read as `9110-7.2`.
 */
export function picks(item: string, id: string, section: string): boolean {
  const wanted = sectionKey(item.trim());
  if (wanted === id) return true;
  const key = sectionKey(section);
  return key === wanted || key.startsWith(`${wanted}.`) || key.startsWith(`${wanted}-`);
}

/**
 * Sections in reading order: RFC 6455 by number first, then RFC 9110, then RFC 9112.
 * `5.5` < `5.5.1` < `5.10`.
 */
export function compareSections(a: string, b: string): number {
  const parts = (section: string) => {
    const other = /^RFC (\d+) (.+)$/.exec(section);
    const rfc = other ? Number(other[1]) : 6455;
    return [rfc, ...(other ? other[2]! : section).split('.').map(Number)];
  };
  const [left, right] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? -1) - (right[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}
