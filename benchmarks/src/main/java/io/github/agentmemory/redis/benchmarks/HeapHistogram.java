package io.github.agentmemory.redis.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.management.ObjectName;

/**
 * Live-object class histogram ({@code GC.class_histogram}, which runs a full GC first),
 * to break down what a change of heap consists of.
 */
final class HeapHistogram {

	record Row(String className, long instances, long bytes) {
	}

	private final Map<String, Row> rows = new HashMap<>();

	static HeapHistogram take() {
		HeapHistogram histogram = new HeapHistogram();
		try {
			String text = (String) ManagementFactory.getPlatformMBeanServer()
				.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
						new Object[] { new String[0] }, new String[] { String[].class.getName() });
			for (String line : text.split("\n")) {
				String[] parts = line.trim().split("\\s+");
				if (parts.length >= 4 && parts[0].endsWith(":")) {
					histogram.rows.put(parts[3],
							new Row(parts[3], Long.parseLong(parts[1]), Long.parseLong(parts[2])));
				}
			}
		}
		catch (Exception ex) {
			System.out.println("  ! no class histogram: " + ex);
		}
		return histogram;
	}

	/** Classes whose live bytes grew most from {@code before} to this one. */
	List<Row> growthSince(HeapHistogram before, int limit) {
		List<Row> growth = new ArrayList<>();
		for (Row row : this.rows.values()) {
			Row old = before.rows.get(row.className());
			long instances = row.instances() - ((old != null) ? old.instances() : 0);
			long bytes = row.bytes() - ((old != null) ? old.bytes() : 0);
			if (bytes > 0) {
				growth.add(new Row(row.className(), instances, bytes));
			}
		}
		growth.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
		return growth.subList(0, Math.min(limit, growth.size()));
	}

}
