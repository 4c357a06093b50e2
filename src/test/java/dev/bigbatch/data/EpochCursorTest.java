package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The position sampler of --batch auto: same order as the fixed sampler, and no example twice when kn changes. */
class EpochCursorTest {
  @Test
  void constantBatchReproducesTheFixedSampler() {
    int size = 1000;
    EpochCursor cursor = new EpochCursor(size, 7);
    for (int kn : new int[] {1, 96, 250, 333, 1000}) {
      DistributedSampler fixed = new DistributedSampler(size, kn, 1, 7);
      Iterator<IndexBatch> expected = fixed.globalBatches(0, 0, 3);
      Iterator<IndexBatch> actual = cursor.plan(EpochCursor.Position.START, kn, 3);
      while (expected.hasNext()) {
        IndexBatch e = expected.next();
        IndexBatch a = actual.next();
        assertEquals(e.epoch(), a.epoch());
        assertEquals(e.stepInEpoch(), a.stepInEpoch());
        assertArrayEquals(e.indices(), a.indices(), "kn=" + kn + " " + e);
      }
      assertFalse(actual.hasNext(), "the plan ends with epoch 3 at kn=" + kn);
    }
  }

  /**
   * Random batch sizes, changing every few steps: within each epoch, the examples taken are the epoch's
   * permutation in order (no example twice, none skipped), and what is left at the wrap (dropped) is
   * shorter than the batch that did not fit.
   */
  @Test
  void changingTheBatchSkipsAndRepeatsNothingWithinAnEpoch() {
    int size = 997; // prime: no batch size divides it
    EpochCursor cursor = new EpochCursor(size, 3);
    Random rng = new Random(11);
    EpochCursor.Position pos = EpochCursor.Position.START;
    List<Integer> seen = new ArrayList<>();
    long epoch = 0;
    int kn = 64;
    int epochsChecked = 0;
    while (epochsChecked < 6) {
      if (rng.nextInt(3) == 0) {
        kn = 1 + rng.nextInt(300);
      }
      IndexBatch b = cursor.batch(pos, kn);
      if (b.epoch() != epoch) {
        checkEpoch(seen, cursor, epoch, size, kn);
        epochsChecked++;
        seen.clear();
        epoch = b.epoch();
        assertEquals(0, b.stepInEpoch());
      }
      for (int i : b.indices()) {
        seen.add(i);
      }
      assertEquals(kn, b.count());
      EpochCursor.Position next = cursor.after(pos, kn);
      assertEquals(seen.size(), next.offset(), "the position counts the examples taken in the epoch");
      pos = next;
    }
  }

  private static void checkEpoch(List<Integer> seen, EpochCursor cursor, long epoch, int size, int knThatWrapped) {
    int[] expected = Arrays.copyOf(DistributedSampler.shuffle(size, 3, epoch), seen.size());
    assertArrayEquals(expected, seen.stream().mapToInt(Integer::intValue).toArray(), "epoch " + epoch + " in order");
    assertEquals(seen.size(), seen.stream().distinct().count(), "no example twice in epoch " + epoch);
    int dropped = size - seen.size();
    assertTrue(dropped >= 0 && dropped < knThatWrapped, "dropped " + dropped + " < the batch " + knThatWrapped);
  }

  @Test
  void progressAndEpochEnds() {
    EpochCursor cursor = new EpochCursor(100, 1);
    EpochCursor.Position p = cursor.after(EpochCursor.Position.START, 30); // offset 30
    assertEquals(0.3, cursor.progressEpochs(p), 1e-15);
    assertFalse(cursor.epochEndsBefore(p, 70), "70 more still fit");
    assertTrue(cursor.epochEndsBefore(p, 71), "71 do not: the epoch ends and 70 are dropped");
    assertEquals(new EpochCursor.Position(1, 0, 0), cursor.start(p, 71));
    assertFalse(cursor.epochEndsBefore(EpochCursor.Position.START, 100), "nothing taken yet: no epoch to end");
    // A plan stops at fractional progress: steps of 30 from 0 start at 0, .3, .6, (wrap) 1.0, 1.3 < 1.5 ≤ 1.6.
    Iterator<IndexBatch> plan = cursor.plan(EpochCursor.Position.START, 30, 1.5);
    int steps = 0;
    while (plan.hasNext()) {
      plan.next();
      steps++;
    }
    assertEquals(5, steps);
  }
}
