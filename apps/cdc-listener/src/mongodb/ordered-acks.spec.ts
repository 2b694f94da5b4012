import { OrderedAcks } from './ordered-acks';

describe('OrderedAcks', () => {
  it('offers a position only once it and every earlier one were acknowledged', () => {
    const acks = new OrderedAcks<string>();
    const first = acks.published('t1');
    const second = acks.published('t2');
    expect(acks.confirmable).toBeUndefined();
    second();
    expect(acks.confirmable).toBeUndefined();
    first();
    expect(acks.confirmable).toBe('t2');
    expect(acks.inFlight).toBe(0);
  });

  it('counts each acknowledgement once', () => {
    const acks = new OrderedAcks<number>();
    const ack = acks.published(1);
    acks.published(2);
    ack();
    ack();
    expect(acks.inFlight).toBe(1);
    expect(acks.confirmable).toBe(1);
  });

  it('keeps memory bounded over many positions', () => {
    const acks = new OrderedAcks<number>();
    for (let i = 0; i < 5_000; i++) acks.published(i)();
    expect(acks.confirmable).toBe(4_999);
  });
});
