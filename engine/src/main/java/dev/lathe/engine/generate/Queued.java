package dev.lathe.engine.generate;

/** A submitted request with its ticket and how many of its rows are still running. */
final class Queued {
  final Request request;
  final Ticket ticket = new Ticket();
  int running;
  boolean failed;

  Queued(Request request) { this.request = request; }

  int rows() { return request.sampling().numSamples(); }
}
