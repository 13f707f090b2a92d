import { MongoServerError } from 'mongodb';
import { ignoreDuplicateKey, isDuplicateKeyError } from '../../lib/mongo-duplicate-key';

it('recognizes only E11000', () => {
  expect(isDuplicateKeyError(new MongoServerError({ code: 11000, errmsg: 'E11000' }))).toBe(true);
  expect(isDuplicateKeyError({ code: 11000 })).toBe(true);
  expect(isDuplicateKeyError(new MongoServerError({ code: 112, errmsg: 'WriteConflict' }))).toBe(
    false,
  );
  for (const other of [null, undefined, 11000, 'E11000', new Error('duplicate key')])
    expect(isDuplicateKeyError(other)).toBe(false);
});

it('ignoreDuplicateKey answers undefined for a lost race and rethrows anything else', async () => {
  await expect(ignoreDuplicateKey(() => Promise.resolve('written'))).resolves.toBe('written');
  const lost = new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' });
  await expect(ignoreDuplicateKey(() => Promise.reject(lost))).resolves.toBeUndefined();
  const other = new Error('connection reset');
  await expect(ignoreDuplicateKey(() => Promise.reject(other))).rejects.toBe(other);
});
