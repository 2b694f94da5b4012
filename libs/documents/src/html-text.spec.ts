import { decodeHtmlEntities, htmlToText } from './html-text';

describe('htmlToText', () => {
  it('puts blocks on their own lines and table cells two spaces apart', () => {
    const html =
      '<h1>Invoice</h1><p>No. <strong>42</strong></p><table><tr><th>Item</th><th>Amount</th></tr>' +
      '<tr><td><p>Widget</p></td><td><p>10.00 &euro;</p></td></tr></table><p>Total&nbsp;10.00</p>';
    expect(htmlToText(html)).toBe('Invoice\nNo. 42\nItem  Amount\nWidget  10.00 €\nTotal 10.00');
  });

  it('drops scripts, styles and comments', () => {
    expect(htmlToText('<style>p{}</style><script>x()</script><!-- c --><p>kept</p>')).toBe('kept');
  });

  it('decodes named and numeric entities, and leaves unknown ones', () => {
    expect(decodeHtmlEntities('&lt;a&gt; &#8364; &#x20AC; &bogus; &#0;')).toBe('<a> € € &bogus; &#0;');
  });
});
