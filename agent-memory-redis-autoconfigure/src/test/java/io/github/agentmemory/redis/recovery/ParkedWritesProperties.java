package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.github.agentmemory.redis.command.Priority;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ParkedWrites} against a model (a sorted map per priority and a count per key
 * hash): random parks (mostly in id order, some out of order, some on few keys so that
 * hashes repeat), removals by id, of the oldest of a priority and of everything, through
 * growth past a chunk and shrinking when drained. After every step the sizes, the oldest
 * writes by issue order, each priority's oldest creation time and {@code holds} for every
 * key agree with the model, and the writes to load next are most important first with
 * every older write of their key hashes (or, when those are too many, the oldest).
 */
class ParkedWritesProperties {

	private static final Priority[] PRIORITIES = Priority.values();

	@Property(tries = 100)
	void parkedWritesBehaveAsASortedMapPerPriorityWithACountPerKeyHash(@ForAll("steps") List<Step> steps) {
		ParkedWrites parked = new ParkedWrites();
		List<TreeMap<Long, Integer>> model = new ArrayList<>();
		for (int i = 0; i < PRIORITIES.length; i++) {
			model.add(new TreeMap<>());
		}
		Map<Integer, Integer> counts = new HashMap<>();
		long nextId = 0;
		for (Step step : steps) {
			switch (step.kind()) {
				case 0 -> {
					// park a batch, mostly in id order
					for (int i = 0; i < step.count(); i++) {
						long id = (step.arg() % 7 == 0 && nextId > 10) ? nextId - 1 - (step.arg() % 10) : nextId;
						nextId++;
						Priority priority = PRIORITIES[(int) ((id + step.arg()) % PRIORITIES.length)];
						if (model.stream().anyMatch((map) -> map.containsKey(id))) {
							continue;
						}
						int key = (int) (id % (step.arg() % 5 == 0 ? 3 : 5000));
						int hash = ParkedWrites.hash("key:" + key);
						parked.add(priority, id, id * 10, hash, (int) (id % 3), null, null);
						model.get(priority.ordinal()).put(id, hash);
						counts.merge(hash, 1, Integer::sum);
					}
				}
				case 1 -> {
					// remove by id what the loader loads
					List<ParkedWrite> loaded = parked.toLoad(step.count());
					for (ParkedWrite write : loaded) {
						assertThat(parked.remove(write.priority(), write.id())).isEqualTo(write);
						forget(model, counts, write.priority(), write.id());
					}
					assertThat(parked.remove(Priority.NORMAL, -1)).isNull();
				}
				case 2 -> {
					Priority priority = PRIORITIES[step.arg() % PRIORITIES.length];
					for (int i = 0; i < step.count() && parked.size(priority) > 0; i++) {
						ParkedWrite write = parked.removeOldest(priority);
						assertThat(write.id()).isEqualTo(model.get(priority.ordinal()).firstKey());
						assertThat(write.attempts()).isEqualTo((int) (write.id() % 3));
						forget(model, counts, priority, write.id());
					}
				}
				default -> {
					if (step.arg() % 4 == 0) {
						List<ParkedWrite> all = new ArrayList<>();
						parked.removeAll(all);
						for (ParkedWrite write : all) {
							forget(model, counts, write.priority(), write.id());
						}
					}
				}
			}
			check(parked, model, counts);
		}
	}

	private static void forget(List<TreeMap<Long, Integer>> model, Map<Integer, Integer> counts, Priority priority,
			long id) {
		Integer hash = model.get(priority.ordinal()).remove(id);
		assertThat(hash).as("parked %s #%d", priority, id).isNotNull();
		counts.merge(hash, -1, Integer::sum);
		counts.remove(hash, 0);
	}

	private static void check(ParkedWrites parked, List<TreeMap<Long, Integer>> model, Map<Integer, Integer> counts) {
		int total = 0;
		List<Long> allIds = new ArrayList<>();
		for (Priority priority : PRIORITIES) {
			TreeMap<Long, Integer> map = model.get(priority.ordinal());
			assertThat(parked.size(priority)).isEqualTo(map.size());
			total += map.size();
			allIds.addAll(map.keySet());
			if (!map.isEmpty()) {
				assertThat(parked.oldestCreated(priority)).isEqualTo(map.firstKey() * 10);
			}
		}
		assertThat(parked.size()).isEqualTo(total);
		allIds.sort(Comparator.naturalOrder());
		assertThat(parked.oldest(50).stream().map(ParkedWrite::id).toList())
			.isEqualTo(allIds.subList(0, Math.min(50, allIds.size())));
		checkToLoad(parked, model, 1);
		checkToLoad(parked, model, 7);
		checkToLoad(parked, model, 200);
		for (int key = 0; key < 40; key++) {
			int hash = ParkedWrites.hash("key:" + key);
			assertThat(parked.holds(hash)).as("holds key:%d", key).isEqualTo(counts.getOrDefault(hash, 0) > 0);
		}
		for (Map.Entry<Integer, Integer> count : counts.entrySet()) {
			assertThat(parked.holds(count.getKey())).isTrue();
		}
	}

	/**
	 * The writes to load: by id, each with every older write of its key hash, and either
	 * the most important writes (each priority oldest first) up to the limit with at most
	 * a limit's worth of older writes of their hashes, or the oldest writes.
	 */
	private static void checkToLoad(ParkedWrites parked, List<TreeMap<Long, Integer>> model, int limit) {
		List<ParkedWrite> toLoad = parked.toLoad(limit);
		List<Long> ids = toLoad.stream().map(ParkedWrite::id).toList();
		assertThat(ids).isSorted().doesNotHaveDuplicates();
		// per key hash, the loaded writes are its oldest
		Set<Long> loaded = new HashSet<>(ids);
		Map<Integer, TreeSet<Long>> byHash = new HashMap<>();
		model.forEach((map) -> map.forEach((id, hash) -> byHash.computeIfAbsent(hash, (h) -> new TreeSet<>()).add(id)));
		byHash.forEach((hash, group) -> {
			long count = group.stream().filter(loaded::contains).count();
			assertThat(group.stream().limit(count)).as("loaded writes of hash %d", hash).allMatch(loaded::contains);
		});
		List<Long> byImportance = new ArrayList<>();
		model.forEach((map) -> byImportance.addAll(map.keySet()));
		List<Long> mostImportant = byImportance.subList(0, Math.min(limit, byImportance.size()));
		if (ids.containsAll(mostImportant)) {
			assertThat(ids.size()).isLessThanOrEqualTo(2 * limit);
		}
		else {
			assertThat(ids).isEqualTo(parked.oldest(limit).stream().map(ParkedWrite::id).toList());
		}
	}

	@Provide
	Arbitrary<List<Step>> steps() {
		Arbitrary<Integer> kinds = Arbitraries.integers().between(0, 3);
		Arbitrary<Integer> counts = Arbitraries.frequencyOf(
				net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(1, 40)),
				net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(4_000, 9_000)));
		Arbitrary<Integer> args = Arbitraries.integers().between(0, 1_000);
		return Combinators.combine(kinds, counts, args).as(Step::new).list().ofMinSize(1).ofMaxSize(30);
	}

	record Step(int kind, int count, int arg) {

	}

}
