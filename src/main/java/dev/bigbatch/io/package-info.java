/**
 * Files bigbatch writes into run directories and reads back: the atomic write every writer uses
 * ({@link dev.bigbatch.io.AtomicFiles}: temp file in the same directory, fsync, rename) and the one format for
 * named float32 tensors ({@link dev.bigbatch.io.TensorFile}: magic, JSON header, raw little-endian data, CRC32)
 * shared by checkpoints and step traces. Knows nothing of LibTorch, models or training: tensors here are float
 * arrays with a shape.
 */
package dev.bigbatch.io;
