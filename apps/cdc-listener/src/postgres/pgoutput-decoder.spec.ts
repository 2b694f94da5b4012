import { decodePgoutput } from './pgoutput-decoder';

/** Builds pgoutput messages byte by byte, as the protocol documentation lays them out. */
class Bytes {
  private readonly parts: Buffer[] = [];
  tag(char: string): this {
    return this.u8(char.charCodeAt(0));
  }
  u8(value: number): this {
    this.parts.push(Buffer.from([value]));
    return this;
  }
  i16(value: number): this {
    const part = Buffer.alloc(2);
    part.writeInt16BE(value);
    this.parts.push(part);
    return this;
  }
  i32(value: number): this {
    const part = Buffer.alloc(4);
    part.writeInt32BE(value);
    this.parts.push(part);
    return this;
  }
  i64(value: bigint): this {
    const part = Buffer.alloc(8);
    part.writeBigInt64BE(value);
    this.parts.push(part);
    return this;
  }
  string(value: string): this {
    this.parts.push(Buffer.from(`${value}\0`));
    return this;
  }
  text(value: string): this {
    return (this.tag('t').i32(Buffer.byteLength(value)).parts.push(Buffer.from(value)), this);
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

describe('pgoutput messages', () => {
  it('reads Begin and Commit: the commit LSN, the end LSN to confirm, commit time and transaction id', () => {
    expect(decodePgoutput(new Bytes().tag('B').i64(0x500n).i64(42n).i32(771).build())).toEqual({
      tag: 'begin',
      finalLsn: 0x500n,
      commitTime: 42n,
      xid: 771,
    });
    expect(decodePgoutput(new Bytes().tag('C').u8(0).i64(0x500n).i64(0x530n).i64(42n).build())).toEqual({
      tag: 'commit',
      commitLsn: 0x500n,
      endLsn: 0x530n,
      commitTime: 42n,
    });
  });

  it('reads a Relation with its replica identity and which columns identify a row', () => {
    const relation = new Bytes()
      .tag('R')
      .i32(16400)
      .string('public')
      .string('orders')
      .tag('f')
      .i16(2)
      .u8(1)
      .string('id')
      .i32(20)
      .i32(-1)
      .u8(0)
      .string('notes')
      .i32(25)
      .i32(-1)
      .build();
    expect(decodePgoutput(relation)).toEqual({
      tag: 'relation',
      relationOid: 16400,
      schema: 'public',
      table: 'orders',
      replicaIdentity: 'full',
      columns: [
        { isIdentity: true, name: 'id', typeOid: 20, typeModifier: -1 },
        { isIdentity: false, name: 'notes', typeOid: 25, typeModifier: -1 },
      ],
    });
  });

  it('keeps an unchanged TOASTed value marked, apart from NULL and from text', () => {
    const update = new Bytes().tag('U').i32(16400).tag('N').i16(3).text('7').tag('n').tag('u').build();
    expect(decodePgoutput(update)).toEqual({
      tag: 'update',
      relationOid: 16400,
      oldKind: undefined,
      oldTuple: undefined,
      newTuple: [{ kind: 'text', text: '7' }, { kind: 'null' }, { kind: 'unchanged-toast' }],
    });
  });

  it('reads the old key of an update, the old row of a delete, inserts and a multi-table truncate', () => {
    const update = new Bytes().tag('U').i32(1).tag('K').i16(1).text('1').tag('N').i16(1).text('2').build();
    expect(decodePgoutput(update)).toMatchObject({
      oldKind: 'key',
      oldTuple: [{ text: '1' }],
      newTuple: [{ text: '2' }],
    });
    expect(decodePgoutput(new Bytes().tag('D').i32(1).tag('O').i16(1).text('é').build())).toEqual({
      tag: 'delete',
      relationOid: 1,
      oldKind: 'old',
      oldTuple: [{ kind: 'text', text: 'é' }],
    });
    expect(decodePgoutput(new Bytes().tag('I').i32(1).tag('N').i16(1).text('x').build())).toMatchObject({
      tag: 'insert',
      newTuple: [{ kind: 'text', text: 'x' }],
    });
    expect(decodePgoutput(new Bytes().tag('T').i32(2).u8(3).i32(10).i32(11).build())).toEqual({
      tag: 'truncate',
      relationOids: [10, 11],
      cascade: true,
      restartIdentity: true,
    });
  });

  it('refuses a message it does not know rather than guessing', () => {
    expect(() => decodePgoutput(Buffer.from('S'))).toThrow(/unknown message "S"/);
    expect(() => decodePgoutput(new Bytes().tag('I').i32(1).tag('N').i16(1).tag('b').build())).toThrow(
      /unexpected column kind "b"/,
    );
  });
});
