// The --html report's script (src/report/html.ts writes it into the page): the filters, and each
// case's wire log drawn when the case is opened, each frame as native-server's inspector draws
// it. Everything a peer sent goes in as text (textContent), never as HTML.

(() => {
  const { wire, closeCodes } = JSON.parse(document.getElementById('wire-data').textContent);
  const checked = document.body.dataset.peer;
  const cases = [...document.querySelectorAll('details.case')];
  const families = [...document.querySelectorAll('section.family')];
  const verdict = document.getElementById('verdict');
  const section = document.getElementById('section');
  const words = document.getElementById('words');
  const chips = [...document.querySelectorAll('.chip')];

  // ---- The filters.

  function filter() {
    const wanted = { verdict: verdict.value, section: section.value };
    const text = words.value.trim().toLowerCase();
    let shown = 0;
    for (const item of cases) {
      const visible =
        (!wanted.verdict || item.dataset.verdict === wanted.verdict) &&
        (!wanted.section || item.dataset.section === wanted.section) &&
        (!text || item.dataset.words.includes(text));
      item.hidden = !visible;
      if (visible) shown++;
    }
    for (const family of families) {
      family.hidden = family.querySelector('details.case:not([hidden])') === null;
    }
    for (const chip of chips) {
      chip.setAttribute('aria-pressed', String(chip.dataset.verdict === wanted.verdict));
    }
    document.getElementById('shown').textContent = `${shown} of ${cases.length} cases shown`;
    document.getElementById('none').hidden = shown > 0;
  }
  verdict.addEventListener('change', filter);
  section.addEventListener('change', filter);
  words.addEventListener('input', filter);
  for (const chip of chips) {
    chip.addEventListener('click', () => {
      verdict.value = verdict.value === chip.dataset.verdict ? '' : chip.dataset.verdict;
      filter();
    });
  }
  document
    .querySelector('form.filters')
    .addEventListener('submit', (event) => event.preventDefault());

  // ---- The wire log of a case, drawn the first time it is opened.

  for (const item of cases) {
    item.addEventListener('toggle', () => {
      if (!item.open || item.dataset.drawn) return;
      item.dataset.drawn = 'yes';
      const list = item.querySelector('ol.wire');
      for (const entry of wire[item.dataset.id] ?? []) list.append(entryNode(entry));
    });
  }
  // A link to #case-5.5.2/1 opens that case.
  const linked =
    location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (linked instanceof HTMLDetailsElement) linked.open = true;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** Term and description pairs, as a <dl>; empty descriptions are left out. */
  function details(pairs) {
    const list = element('dl');
    for (const [term, description] of pairs) {
      if (description === undefined || description === '') continue;
      list.append(element('dt', term), element('dd', description, 'hex'));
    }
    return list;
  }

  const WHO = {
    out: checked === 'client' ? 'checker → client' : 'checker → server',
    in: checked === 'client' ? 'client → checker' : 'server → checker',
  };

  function entryNode(entry) {
    const item = element('li', undefined, entry.direction);
    const time = element('span', `${entry.ms.toFixed(1)} ms`, 'time');
    if (entry.direction === 'tcp' || entry.direction === 'process') {
      const who =
        entry.direction === 'process'
          ? 'client program: '
          : entry.connection
            ? `#${entry.connection} `
            : '';
      item.append(time, element('span', `${who}${entry.summary}`));
      return item;
    }
    const heading = element('p', undefined, 'direction');
    heading.append(time, `#${entry.connection} ${WHO[entry.direction]}`);
    item.append(heading);
    if (entry.text !== undefined) {
      // An HTTP head, its control characters written out (a CR alone shows as \r).
      item.append(element('pre', visible(entry.text.replace(/\r\n/g, '\n').trimEnd())));
      return item;
    }
    item.append(element('p', entry.summary, 'summary hex'));
    if (entry.frame) item.append(diagram(entry.frame), frameDetails(entry));
    else if (entry.hex) item.append(details([['bytes', entry.hex]]));
    return item;
  }

  function visible(text) {
    let out = '';
    for (const char of text) {
      const code = char.charCodeAt(0);
      const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
      if (!control || char === '\n') out += char;
      else if (char === '\r') out += '\\r';
      else out += `\\x${code.toString(16).padStart(2, '0')}`;
    }
    return out;
  }

  /**
   * The header as rows of 32 bits: a field that does not fit in what is left of a row goes on in
   * the next one, "(continued)", as in the RFC's own drawing.
   */
  function diagram(frame) {
    const lengthField =
      frame.lengthBytes === 0 ? frame.length : frame.lengthBytes === 2 ? '126' : '127';
    const fields = [
      { name: 'FIN', bits: 1, value: frame.fin ? '1' : '0' },
      { name: 'RSV1', bits: 1, value: String((frame.rsv >> 2) & 1) },
      { name: 'RSV2', bits: 1, value: String((frame.rsv >> 1) & 1) },
      { name: 'RSV3', bits: 1, value: String(frame.rsv & 1) },
      { name: 'opcode', bits: 4, value: `${frame.opcode} (${frame.opcodeName})` },
      { name: 'MASK', bits: 1, value: frame.masked ? '1' : '0' },
      { name: 'Payload len', bits: 7, value: lengthField },
    ];
    if (frame.lengthBytes > 0) {
      fields.push({
        name: 'Extended payload length',
        bits: frame.lengthBytes * 8,
        value: frame.length,
      });
    }
    if (frame.maskKey) fields.push({ name: 'Masking-key', bits: 32, value: frame.maskKey });

    const grid = element('div', undefined, 'bits');
    for (let bit = 0; bit < 32; bit++) grid.append(element('div', String(bit % 10), 'ruler'));
    let position = 0;
    const cell = (span, name, value, className) => {
      // A field of one or two bits is too narrow for its name across: it goes downwards.
      const node = element('div', undefined, span <= 2 ? 'narrow' : className);
      node.style.gridColumn = `span ${span}`;
      node.title = name;
      node.append(element('span', name, 'name'));
      if (value !== undefined) node.append(element('span', value, 'value'));
      grid.append(node);
      position += span;
    };
    for (const field of fields) {
      let left = field.bits;
      let first = true;
      while (left > 0) {
        const span = Math.min(left, 32 - (position % 32));
        if (first) cell(span, field.name, field.value);
        else cell(span, `${field.name} (continued)`);
        left -= span;
        first = false;
      }
    }
    cell(32 - (position % 32), 'Payload Data', undefined, 'payload');
    const box = element('div', undefined, 'diagram');
    box.append(grid);
    return box;
  }

  /** `81 05 48 ... (+10 bytes)` as bytes, and what was cut. */
  function bytesOf(hex) {
    const [pairs, cut] = hex.split(' ... ');
    const bytes = pairs ? pairs.split(' ').map((pair) => Number.parseInt(pair, 16)) : [];
    return { bytes: Uint8Array.from(bytes), cut: cut ? ` ... ${cut}` : '' };
  }

  function hexOf(bytes) {
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  }

  const LENGTH_FORMS = {
    0: '7-bit: in the Payload len field',
    2: '16-bit: Payload len says 126, the next 2 bytes hold it',
    8: '64-bit: Payload len says 127, the next 8 bytes hold it',
  };

  function frameDetails(entry) {
    const { frame } = entry;
    const payload = bytesOf(frame.payload);
    let masked;
    if (frame.maskKey) {
      // The payload as it crossed the wire: byte i XORed with key byte i % 4 (RFC 6455 §5.3).
      const key = bytesOf(frame.maskKey).bytes;
      masked = `${hexOf(payload.bytes.map((byte, i) => byte ^ key[i % 4]))}${payload.cut}`;
    }
    const decoder = new TextDecoder('utf-8');
    let text;
    let close;
    if (frame.opcode === 1 || (frame.opcode === 0 && payload.bytes.length > 0)) {
      text = `${JSON.stringify(decoder.decode(payload.bytes))}${payload.cut ? ' (cut)' : ''}`;
    }
    if (frame.opcode === 8) {
      const body = payload.bytes;
      if (body.length === 0) close = 'no code (the peer reads 1005, No Status Received)';
      else if (body.length === 1) close = 'a 1-byte body: no code can be read';
      else {
        const code = (body[0] << 8) | body[1];
        const reason =
          body.length > 2 ? `, reason ${JSON.stringify(decoder.decode(body.subarray(2)))}` : '';
        close = `${closeCodes[code] ?? code}${reason}`;
      }
    }
    return details([
      ['length', `${frame.length} bytes, ${LENGTH_FORMS[frame.lengthBytes] ?? ''}`],
      ['masking key', frame.maskKey],
      ['on the wire', entry.hex],
      ['payload, masked', masked],
      [frame.maskKey ? 'payload, unmasked' : 'payload (not masked)', frame.payload],
      ['text', text],
      ['close', close],
    ]);
  }
})();
