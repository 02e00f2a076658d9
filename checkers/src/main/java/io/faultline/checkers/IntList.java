package io.faultline.checkers;

import java.util.Arrays;

/** A growable list of ints, for the txn checkers' per-key tables (no boxing). */
final class IntList {
  private int[] items;
  private int size;

  IntList() { this(4); }

  IntList(int capacity) { items = new int[Math.max(1, capacity)]; }

  void add(int v) {
    if (size == items.length) items = Arrays.copyOf(items, size * 2);
    items[size++] = v;
  }

  int get(int i) {
    if (i >= size) throw new IndexOutOfBoundsException(i + " >= " + size);
    return items[i];
  }

  void set(int i, int v) {
    if (i >= size) throw new IndexOutOfBoundsException(i + " >= " + size);
    items[i] = v;
  }

  int size() { return size; }

  int[] toArray() { return Arrays.copyOf(items, size); }
}
