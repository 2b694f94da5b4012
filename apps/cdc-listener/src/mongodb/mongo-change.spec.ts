import { MongoServerError, Timestamp } from 'mongodb';
import { ChangeStreamHistoryLost, MongoNotReplicaSet } from '../errors';
import { mongoChangeEvent } from './mongo-change';
import { translateMongoError } from './mongo-change-streams';

const watched = { database: 'shop', collection: undefined };
const clusterTime = new Timestamp({ t: 1_714_634_460, i: 1 });

describe('MongoDB changes as data.changed events', () => {
  it('takes the namespace of a whole-database watch from the change, and keeps the id of a change read again', () => {
    const change = {
      _id: { _data: '8266' },
      operationType: 'insert',
      ns: { db: 'shop', coll: 'orders' },
      documentKey: { _id: 'o-1' },
      fullDocument: { _id: 'o-1', total: 5 },
      clusterTime,
    };
    const event = mongoChangeEvent(change, watched);
    expect(event).toMatchObject({
      subject: 'shop.orders',
      partitionkey: 'shop.orders:{"_id":"o-1"}',
      time: '2024-05-02T07:21:00.000Z',
      data: { op: 'insert', key: { _id: 'o-1' }, after: { _id: 'o-1', total: 5 }, before: null },
    });
    expect(mongoChangeEvent(change, watched)?.id).toBe(event?.id);
    expect(mongoChangeEvent({ ...change, _id: { _data: '8267' } }, watched)?.id).not.toBe(event?.id);
  });

  it('does not pass a missing document off as the update: "after" keeps the id, the updated fields are unavailable', () => {
    const event = mongoChangeEvent(
      {
        _id: { _data: '8268' },
        operationType: 'update',
        ns: { db: 'shop', coll: 'orders' },
        documentKey: { _id: 'o-1' },
        fullDocument: null,
        updateDescription: { updatedFields: { status: 'paid' } },
        clusterTime,
      },
      watched,
    );
    expect(event?.data).toMatchObject({ op: 'update', after: { _id: 'o-1' }, unavailable: ['status'] });
  });

  it('maps replace to update and delete to an event without images; drop and rename are not row changes', () => {
    const base = { _id: { _data: '8269' }, ns: { db: 'shop', coll: 'orders' }, documentKey: { _id: 1 }, clusterTime };
    expect(
      mongoChangeEvent({ ...base, operationType: 'replace', fullDocument: { _id: 1, a: 2 } }, watched)?.data,
    ).toMatchObject({
      op: 'update',
      after: { _id: 1, a: 2 },
    });
    expect(mongoChangeEvent({ ...base, operationType: 'delete' }, watched)?.data).toMatchObject({
      op: 'delete',
      key: { _id: 1 },
      after: null,
    });
    expect(mongoChangeEvent({ ...base, operationType: 'drop' }, watched)).toBeUndefined();
  });
});

describe('MongoDB errors at the start of a stream', () => {
  it('stops on ChangeStreamHistoryLost with the recovery, and names the replica set a standalone lacks', () => {
    const lost = translateMongoError(
      new MongoServerError({
        code: 286,
        codeName: 'ChangeStreamHistoryLost',
        errmsg: 'Resume of change stream was not possible',
      }),
      'shop.orders',
      'flowline_cdc',
    );
    expect(lost).toBeInstanceOf(ChangeStreamHistoryLost);
    expect(lost.message).toContain('db.getSiblingDB("flowline_cdc").resume_tokens.deleteOne({ _id: "shop.orders" })');
    const standalone = translateMongoError(
      new MongoServerError({ code: 40573, errmsg: 'The $changeStream stage is only supported on replica sets' }),
      'shop.orders',
      'flowline_cdc',
    );
    expect(standalone).toBeInstanceOf(MongoNotReplicaSet);
    expect(standalone.message).toMatch(/--replSet.*rs.initiate\(\)/);
  });
});
