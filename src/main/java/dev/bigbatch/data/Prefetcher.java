package dev.bigbatch.data;

import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes batches on one background thread, up to {@code depth} batches ahead of the consumer.
 *
 * <p>Design: the caller hands over a <i>plan</i>, an {@code Iterator<IndexBatch>} (typically
 * {@link DistributedSampler#shards} or {@link DistributedSampler#globalBatches}), which the background thread
 * alone consumes; each plan entry is decoded by a {@link BatchDecoder} into a {@link Batch} with its own new
 * direct buffer (see {@link Batch} for the lifetime) and put in a bounded queue of capacity {@code depth}.
 * Buffers handed back through {@link #recycle(Batch)} are reused for later batches instead of allocating;
 * a batch that is never recycled simply stays valid until garbage-collected.
 * {@link #next()} returns batches in plan order, exactly as {@code BatchDecoder.decode} would synchronously.
 *
 * <p>Errors: an exception thrown by the plan or by decoding ends the background thread and is rethrown by
 * the {@link #next()} that would have returned that batch (and every later call), with the consumer's stack
 * attached as a suppressed exception. Close: {@link #close()} interrupts and joins the thread; use
 * try-with-resources. Time the consumer spends blocked in {@link #hasNext()}/{@link #next()} is
 * accumulated in {@link #waitNanos()} (the trainer's "data wait").
 *
 * <p>Threads: {@link #hasNext()} and {@link #next()} are for one consumer thread; {@link #close()} may come
 * from any thread.
 */
public final class Prefetcher implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final Object END = new Object();
  private static final Object CLOSED = new Object(); // wakes a consumer blocked while another thread closes

  private record Failure(Throwable error) {}

  private final BlockingQueue<Object> queue;
  private final BlockingQueue<FloatBuffer> free; // recycled buffers, taken by the producer before allocating
  private final Thread thread;
  private Object pending; // taken from the queue by hasNext(), not yet returned; consumer thread only
  private volatile long waitNanos;
  private volatile long delivered;
  private volatile boolean closed;

  public Prefetcher(ImageDataset data, Normalization norm, Augmentation aug, long seed, int depth,
      Iterator<IndexBatch> plan) {
    this(new BatchDecoder(data, norm, aug, seed), depth, plan);
  }

  /** Reads {@code data}'s examples as {@code plan} lists them, up to {@code depth} batches ahead. */
  public Prefetcher(Dataset data, int depth, Iterator<IndexBatch> plan) {
    this(new BatchDecoder(data), depth, plan);
  }

  /** Takes ownership of {@code decoder}: only the background thread uses it from now on. */
  public Prefetcher(BatchDecoder decoder, int depth, Iterator<IndexBatch> plan) {
    Objects.requireNonNull(decoder, "decoder");
    Objects.requireNonNull(plan, "plan");
    if (depth < 1) {
      throw new IllegalArgumentException("depth must be >= 1 batch, got " + depth);
    }
    this.queue = new ArrayBlockingQueue<>(depth);
    this.free = new ArrayBlockingQueue<>(depth + 2); // enough for every batch in flight
    this.thread = new Thread(() -> produce(decoder, plan), "bigbatch-prefetch-" + THREADS.incrementAndGet());
    thread.setDaemon(true); // a forgotten close() must not keep the JVM alive
    thread.start();
  }

  private void produce(BatchDecoder decoder, Iterator<IndexBatch> plan) {
    try {
      while (plan.hasNext()) {
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        IndexBatch next = plan.next();
        int floats = Math.multiplyExact(next.count(), decoder.data().exampleSize());
        FloatBuffer target = free.poll();
        if (target == null || target.capacity() != floats) {
          target = BatchDecoder.allocate(floats);
        }
        queue.put(decoder.decode(next, target));
      }
      queue.put(END);
    } catch (InterruptedException e) {
      // close(): stop quietly
    } catch (Throwable t) {
      try {
        queue.put(new Failure(t));
      } catch (InterruptedException e) {
        // closed while reporting: nobody is left to tell
      }
    }
  }

  /** Blocks until the next batch (or the end of the plan) is decoded; true if there is a next batch. */
  public boolean hasNext() throws InterruptedException {
    if (closed) {
      throw new IllegalStateException("prefetcher is closed");
    }
    if (pending == null) {
      Object item = queue.poll();
      if (item == null) {
        long start = System.nanoTime();
        try {
          item = queue.take();
        } finally {
          waitNanos += System.nanoTime() - start;
        }
      }
      pending = item;
    }
    if (pending == CLOSED) {
      throw new IllegalStateException("prefetcher was closed while waiting for a batch");
    }
    if (pending instanceof Failure f) {
      throw rethrow(f.error());
    }
    return pending != END;
  }

  /** The next batch in plan order; blocks while it is being decoded. */
  public Batch next() throws InterruptedException {
    if (!hasNext()) {
      throw new NoSuchElementException("the plan is exhausted after " + delivered + " batches");
    }
    Batch b = (Batch) pending;
    pending = null;
    delivered++;
    return b;
  }

  /**
   * Hands {@code batch}'s image buffer back for reuse by a later batch. Call at most once per batch, after
   * the last use of {@code batch.images()} (for a tensor view: after the step that reads it has finished);
   * the buffer will be overwritten. Optional: batches that are not recycled are freed by the GC. Any thread.
   */
  public void recycle(Batch batch) {
    FloatBuffer images = batch.images();
    if (images.isDirect()) {
      free.offer(images); // if the pool is full, drop it for the GC
    }
  }

  /** Total nanoseconds the consumer has spent blocked waiting for batches. */
  public long waitNanos() {
    return waitNanos;
  }

  /** Batches returned by {@link #next()} so far. */
  public long delivered() {
    return delivered;
  }

  /**
   * Interrupts the background thread and waits for it to end. Idempotent. May be called from any thread; a
   * consumer blocked in {@link #next()} then gets an {@link IllegalStateException}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.interrupt();
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // keep waiting: never leave the thread behind; restore the flag below
      }
    }
    queue.clear();
    queue.offer(CLOSED);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static RuntimeException rethrow(Throwable error) {
    Exception here = new Exception("rethrown in the consumer thread by Prefetcher.next()");
    if (error instanceof RuntimeException r) {
      addOnce(r, here);
      return r;
    }
    if (error instanceof Error e) {
      addOnce(e, here);
      throw e;
    }
    return new IllegalStateException("prefetch thread failed: " + error, error);
  }

  private static void addOnce(Throwable t, Throwable suppressed) {
    if (t.getSuppressed().length == 0) {
      t.addSuppressed(suppressed);
    }
  }
}
