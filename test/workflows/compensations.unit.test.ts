import { CompensationStack } from '../../workflows/compensations';
import type { CompensationStep } from '../../workflows/compensations';

describe('CompensationStack', () => {
  const recorder = () => {
    const ran: CompensationStep[] = [];
    const ok = (step: CompensationStep) => () => {
      ran.push(step);
      return Promise.resolve();
    };
    return { ran, ok };
  };

  it('runs compensations in reverse order of registration and empties', async () => {
    const { ran, ok } = recorder();
    const stack = new CompensationStack();
    stack.push('releaseInventory', ok('releaseInventory'));
    stack.push('voidPayment', ok('voidPayment'));
    stack.push('cancelShipment', ok('cancelShipment'));
    expect(stack.pending).toEqual(['cancelShipment', 'voidPayment', 'releaseInventory']);
    await stack.unwind({ onFailure: () => Promise.reject(new Error('unexpected')) });
    expect(ran).toEqual(['cancelShipment', 'voidPayment', 'releaseInventory']);
    expect(stack.isEmpty).toBe(true);
    expect(stack.pending).toEqual([]);
  });

  it('does nothing when empty', async () => {
    const stack = new CompensationStack();
    const onFailure = jest.fn();
    await stack.unwind({ onFailure });
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('never moves past a failing compensation: reports it and retries it when told to', async () => {
    const { ran, ok } = recorder();
    const stack = new CompensationStack();
    stack.push('releaseInventory', ok('releaseInventory'));
    let failures = 0;
    stack.push('voidPayment', () => {
      failures += 1;
      if (failures <= 2) return Promise.reject(new Error(`down ${failures}`));
      ran.push('voidPayment');
      return Promise.resolve();
    });
    const reported: string[] = [];
    const started: CompensationStep[] = [];
    await stack.unwind({
      onStart: (step) => started.push(step),
      onFailure: (step, error) => {
        reported.push(`${step}: ${(error as Error).message}`);
        expect(stack.pending).toEqual(['voidPayment', 'releaseInventory']); // still pending
        return Promise.resolve(); // "support retried"
      },
    });
    expect(reported).toEqual(['voidPayment: down 1', 'voidPayment: down 2']);
    expect(started).toEqual(['voidPayment', 'voidPayment', 'voidPayment', 'releaseInventory']);
    expect(ran).toEqual(['voidPayment', 'releaseInventory']);
  });

  it('propagates a failure of the failure hook instead of swallowing it', async () => {
    const stack = new CompensationStack();
    stack.push('releaseInventory', () => Promise.reject(new Error('down')));
    await expect(
      stack.unwind({ onFailure: () => Promise.reject(new Error('hook failed')) }),
    ).rejects.toThrow('hook failed');
    expect(stack.pending).toEqual(['releaseInventory']);
  });
});
