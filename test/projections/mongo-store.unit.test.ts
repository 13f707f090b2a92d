import { MongoBulkWriteError, MongoNetworkError } from 'mongodb';
import { onlyDuplicateKeys } from '../../projections/store/mongo-store';

// The orders write ignores duplicate-key errors (an upsert whose version guard did not match
// collides with the newer stored document). The driver wraps *every* failure of a bulk write
// in a MongoBulkWriteError, a connection closed mid-write included (node_modules/mongodb
// lib/bulk/common.js: "a driver related error not a bulk op error"), with no write errors:
// such a write did not happen and must not be taken for "a newer document won". That mix-up
// is what lost an order's OrderPlaced when the MongoDB-wire server was killed (chaos tests).

const result = {} as ConstructorParameters<typeof MongoBulkWriteError>[1];

it('a connection closed mid-write is not a duplicate key', () => {
  const closed = new MongoBulkWriteError(
    new MongoNetworkError('connection 1 to 127.0.0.1:27017 closed'),
    result,
  );
  expect(closed.writeErrors).toEqual([]);
  expect(onlyDuplicateKeys(closed)).toBe(false);
  expect(onlyDuplicateKeys(new MongoNetworkError('connection reset'))).toBe(false);
});

it('only duplicate-key write errors are', () => {
  const duplicate = { code: 11000, index: 0, errmsg: 'E11000 duplicate key' };
  const other = { code: 121, index: 1, errmsg: 'Document failed validation' };
  const error = (writeErrors: object[]) =>
    new MongoBulkWriteError({ message: 'write failed', code: 11000, writeErrors } as never, result);
  expect(onlyDuplicateKeys(error([duplicate]))).toBe(true);
  expect(onlyDuplicateKeys(error([duplicate, { ...duplicate, index: 3 }]))).toBe(true);
  expect(onlyDuplicateKeys(error([duplicate, other]))).toBe(false);
  expect(onlyDuplicateKeys(error([]))).toBe(false);
});
