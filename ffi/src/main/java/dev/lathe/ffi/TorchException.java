package dev.lathe.ffi;

/** A libtorch error carried across the native boundary: libtorch's message, no C++ backtrace. */
public class TorchException extends RuntimeException {
  public TorchException(String message) {
    super(message);
  }
}
