import { logScores, predict, softmax, trainNaiveBayes } from './naive-bayes';

const examples = [
  { category: 'a', tokens: ['apple', 'apple', 'pear'] },
  { category: 'a', tokens: ['apple', 'plum'] },
  { category: 'b', tokens: ['car', 'bus'] },
];

describe('naive Bayes', () => {
  it('counts documents and tokens per category, vocabulary sorted', () => {
    const model = trainNaiveBayes(examples, ['a', 'b'], { version: 'v', alpha: 1, evidenceTokens: 10 });
    expect(model.documents).toEqual([2, 1]);
    expect(model.tokenTotals).toEqual([5, 2]);
    expect(Object.keys(model.vocabulary)).toEqual(['apple', 'bus', 'car', 'pear', 'plum']);
    expect(model.vocabulary['apple']).toEqual([3, 0]);
  });

  it('computes the multinomial log score with add-alpha smoothing', () => {
    const model = trainNaiveBayes(examples, ['a', 'b'], { version: 'v', alpha: 1, evidenceTokens: 10 });
    // P(a) = (2+1)/(3+2); P(apple|a) = (3+1)/(5+5); P(apple|b) = (0+1)/(2+5)
    const [a, b] = logScores(model, ['apple']);
    expect(a).toBeCloseTo(Math.log(3 / 5) + Math.log(4 / 10), 10);
    expect(b).toBeCloseTo(Math.log(2 / 5) + Math.log(1 / 7), 10);
  });

  it('ignores unseen tokens and predicts the likelier category', () => {
    const model = trainNaiveBayes(examples, ['a', 'b'], { version: 'v' });
    expect(predict(model, ['bus', 'never-seen']).category).toBe('b');
    expect(predict(model, ['apple']).category).toBe('a');
  });

  it('caps the evidence of a long text, so the confidence stays below certainty', () => {
    const capped = trainNaiveBayes(examples, ['a', 'b'], { version: 'v', evidenceTokens: 2 });
    const uncapped = { ...capped, evidenceTokens: 1_000 };
    const long = Array.from({ length: 40 }, () => 'apple');
    expect(Math.max(...predict(capped, long).probabilities)).toBeLessThan(0.99);
    expect(Math.max(...predict(uncapped, long).probabilities)).toBeGreaterThan(0.9999);
  });

  it('softmax gives probabilities that sum to 1, also for very negative scores', () => {
    const probabilities = softmax([-1000, -1001, -1002]);
    expect(probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 12);
    expect(probabilities[0]).toBeGreaterThan(probabilities[1] as number);
  });
});
