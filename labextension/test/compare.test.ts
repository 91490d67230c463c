import { describe, expect, it } from 'vitest';

import { compareTable, isSystemProperty, parseArguments, splitProperties } from '../src/compare';

describe('parameters from arguments', () => {
  it('reads flags with values, flags with =, switches and positional arguments', () => {
    const params = parseArguments(['--lr', 0.1, '--epochs=3', '--verbose', '-k', '-1', 'data.csv']);
    expect(Array.from(params.entries())).toEqual([
      ['--lr', '0.1'],
      ['--epochs', '3'],
      ['--verbose', ''],
      ['-k', '-1'],
      ['arg 1', 'data.csv']
    ]);
  });

  it('reads -inf and -nan as values, not flags', () => {
    expect(Array.from(parseArguments(['--low', '-inf', '-inf', '--x', '-NaN']).entries())).toEqual([
      ['--low', '-inf'],
      ['arg 1', '-inf'],
      ['--x', '-NaN']
    ]);
  });
});

describe('compare table', () => {
  it('has a column per parameter and per final metric, a row per run, and marks what differs', () => {
    const table = compareTable([
      { id: 'a', label: 'a', status: 'Completed', arguments: ['--lr', '0.1', '--seed', '1'], finals: new Map([['loss', 0.0333333]]) },
      { id: 'b', label: 'b', status: 'Failed', arguments: ['--lr', '0.2', '--seed', '1'], finals: new Map<string, unknown>([['loss', 0.5], ['acc', 'NaN']]) }
    ]);
    expect(table.headers).toEqual(['run', 'status', '--lr', '--seed', 'acc', 'loss']);
    expect(table.rows).toEqual([
      { id: 'a', cells: ['a', 'Completed', '0.1', '1', '', '0.03333'] },
      { id: 'b', cells: ['b', 'Failed', '0.2', '1', 'NaN', '0.5'] }
    ]);
    expect(Array.from(table.differing)).toEqual(['--lr']);
  });
});

describe('system properties', () => {
  it('folds what the service and the SDK record, and leaves the user\'s own', () => {
    for (const key of ['azureml.git.commit', 'mlflow.source.git.commit', 'ContentSnapshotId', 'jupyter_estimator.submitted_via', '_azureml.ComputeTargetType']) {
      expect(isSystemProperty(key)).toBe(true);
    }
    const { user, system } = splitProperties({ 'azureml.git.commit': 'abc', owner: 'kim', ContentSnapshotId: 'x', 'jupyter_estimator.resubmitted_from': 'r1' });
    expect(user).toEqual([
      ['jupyter_estimator.resubmitted_from', 'r1'],
      ['owner', 'kim']
    ]);
    expect(system.map(([k]) => k)).toEqual(['ContentSnapshotId', 'azureml.git.commit']);
  });
});
