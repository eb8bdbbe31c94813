import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { JavaNotFoundError } from '../src/errors.js';
import { findTrinoJava } from '../src/java.js';

/** A fake JDK directory: a `release` file and an (empty) bin/java, which is all the search reads. */
function jdk(root: string, name: string, version: string): string {
  const home = join(root, name);
  mkdirSync(join(home, 'bin'), { recursive: true });
  writeFileSync(join(home, 'bin', 'java'), '');
  writeFileSync(join(home, 'release'), `IMPLEMENTOR="test"\nJAVA_VERSION="${version}"\n`);
  return home;
}

describe('findTrinoJava', () => {
  it('finds the newest JDK 25+ beside older ones, never a hard-coded path', () => {
    // Arrange
    const root = mkdtempSync(join(tmpdir(), 'jvm-'));
    jdk(root, 'java-17-openjdk-amd64', '17.0.15');
    const newest = jdk(root, 'temurin-26-jdk', '26.0.1');
    jdk(root, 'temurin-25-jdk-amd64', '25.0.3');
    // Act
    const found = findTrinoJava({}, [root]);
    // Assert
    expect(found).toEqual({ home: newest, major: 26, java: join(newest, 'bin', 'java') });
  });

  it('fails with a JavaNotFoundError naming where it looked when only Java 17 is there', () => {
    const root = mkdtempSync(join(tmpdir(), 'jvm-'));
    jdk(root, 'java-17-openjdk-amd64', '17.0.15');
    expect(() => findTrinoJava({}, [root])).toThrow(JavaNotFoundError);
    expect(() => findTrinoJava({}, [root])).toThrow(new RegExp(`Trino needs Java 25 or newer.*${root}`));
  });

  it('takes TRINO_JAVA_HOME first, and refuses one that is too old', () => {
    const root = mkdtempSync(join(tmpdir(), 'jvm-'));
    const old = jdk(root, 'old', '21.0.2');
    const good = jdk(root, 'good', '25.0.3');
    expect(findTrinoJava({ TRINO_JAVA_HOME: good }, []).home).toBe(good);
    expect(() => findTrinoJava({ TRINO_JAVA_HOME: old }, [root])).toThrow(JavaNotFoundError);
  });
});
