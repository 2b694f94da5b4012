import { BodyBudget } from './body-budget';

describe('BodyBudget', () => {
  it('takes bodies until the next would pass the budget, and again once one is released', () => {
    const budget = new BodyBudget(3_000);
    expect([budget.tryReserve(1_000), budget.tryReserve(2_000), budget.tryReserve(1)]).toEqual([true, true, false]);
    budget.release(1_000);
    expect(budget.tryReserve(1_000)).toBe(true);
    expect(budget.reservedBytes).toBe(3_000);
  });

  it('always takes a body when it holds none, even one larger than the budget', () => {
    const budget = new BodyBudget(100);
    expect(budget.tryReserve(1_000)).toBe(true);
    expect(budget.tryReserve(1)).toBe(false);
    budget.release(1_000);
    expect(budget.reservedBytes).toBe(0);
  });
});
