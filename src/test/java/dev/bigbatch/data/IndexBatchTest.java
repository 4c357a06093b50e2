package dev.bigbatch.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IndexBatchTest {
  @ParameterizedTest(name = "N={0} batch={1} k={2}")
  @CsvSource({"10,3,1", "10,3,3", "10000,256,4", "5,10,9", "0,4,2", "7,1,7"})
  void sequentialCoversEveryExampleOnceInOrder(int size, int batch, int workers) {
    int expectedNext = 0;
    for (int w = 0; w < workers; w++) {
      Iterator<IndexBatch> it = IndexBatch.sequential(size, batch, w, workers);
      int step = 0;
      while (it.hasNext()) {
        IndexBatch b = it.next();
        assertEquals(0, b.epoch());
        assertEquals(step++, b.stepInEpoch());
        assertTrue(b.count() <= batch);
        for (int index : b.indices()) {
          assertEquals(expectedNext++, index); // contiguous across workers: disjoint, complete, ordered
        }
      }
      assertThrows(java.util.NoSuchElementException.class, it::next);
    }
    assertEquals(size, expectedNext);
    int total = 0;
    for (Iterator<IndexBatch> it = IndexBatch.sequential(size, batch); it.hasNext(); ) {
      IndexBatch b = it.next();
      assertEquals(total, b.indices()[0]);
      total += b.count();
    }
    assertEquals(size, total);
  }
}
