package dev.lathe.engine.data;

import java.util.Map;

/** A row after its dataset type: all its columns (as Axolotl keeps them), where it came from, and its strings. */
public record PreparedRow(Map<String, Object> columns, String origin, TextExample text) {}
