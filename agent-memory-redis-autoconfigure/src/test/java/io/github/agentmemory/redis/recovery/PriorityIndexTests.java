package io.github.agentmemory.redis.recovery;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PriorityIndex}: ordering and the overflow policy.
 */
class PriorityIndexTests {

	private long sequence;

	@Test
	void keysComeMostImportantFirstThenInArrivalOrder() {
		PriorityIndex index = new PriorityIndex(10);
		index.add(write("n1", Priority.NORMAL));
		index.add(write("h1", Priority.HIGH));
		index.add(write("n2", Priority.NORMAL));
		index.add(write("c1", Priority.CRITICAL));
		index.add(write("h2", Priority.HIGH));
		assertThat(index.keysByPriority(10, 0)).containsExactly("c1", "h1", "h2", "n1", "n2");
		assertThat(index.keysByPriority(2, 0)).containsExactly("c1", "h1");
	}

	@Test
	void aKeyIsListedOnceAtItsMostImportantWrite() {
		PriorityIndex index = new PriorityIndex(10);
		index.add(write("a", Priority.NORMAL));
		index.add(write("b", Priority.NORMAL));
		index.add(write("b", Priority.HIGH));
		assertThat(index.keysByPriority(10, 0)).containsExactly("b", "a");
	}

	@Test
	void fullIndexEvictsTheOldestOfTheLowestPriority() {
		PriorityIndex index = new PriorityIndex(3);
		PendingWrite n1 = write("n1", Priority.NORMAL);
		PendingWrite n2 = write("n2", Priority.NORMAL);
		index.add(n1);
		index.add(n2);
		index.add(write("h1", Priority.HIGH));
		assertThat(index.add(write("h2", Priority.HIGH))).isSameAs(n1);
		assertThat(index.add(write("n3", Priority.NORMAL))).as("equal priority: the oldest goes").isSameAs(n2);
		assertThat(index.size()).isEqualTo(3);
		assertThat(index.sizes()).containsEntry(Priority.HIGH, 2).containsEntry(Priority.NORMAL, 1);
	}

	@Test
	void fullIndexNeverEvictsAMoreImportantWrite() {
		PriorityIndex index = new PriorityIndex(2);
		index.add(write("h1", Priority.HIGH));
		index.add(write("h2", Priority.HIGH));
		PendingWrite normal = write("n", Priority.NORMAL);
		assertThat(index.add(normal)).as("the newcomer is refused").isSameAs(normal);
		assertThat(normal.indexed).isFalse();
		assertThat(index.sizes()).containsEntry(Priority.HIGH, 2).containsEntry(Priority.NORMAL, 0);
	}

	@Test
	void writesBeingSentAreNeitherEvictedNorExpired() {
		PriorityIndex index = new PriorityIndex(1);
		PendingWrite sending = write("a", Priority.NORMAL);
		index.add(sending);
		sending.setState(PendingWrite.SENDING);
		PendingWrite other = write("b", Priority.NORMAL);
		assertThat(index.add(other)).isSameAs(other);
		assertThat(index.removeExpired(Long.MAX_VALUE)).isEmpty();
		assertThat(index.removeAll()).isEmpty();
		sending.setState(PendingWrite.WAITING);
		assertThat(index.removeAll()).containsExactly(sending);
	}

	@Test
	void expiredWritesAreRemovedOldestFirst() {
		PriorityIndex index = new PriorityIndex(10);
		PendingWrite old = write("old", Priority.HIGH, 10);
		PendingWrite young = write("young", Priority.HIGH, 100);
		index.add(old);
		index.add(young);
		assertThat(index.removeExpired(50)).containsExactly(old);
		assertThat(index.size()).isEqualTo(1);
	}

	@Test
	void removedWritesLeaveTheIndex() {
		PriorityIndex index = new PriorityIndex(10);
		PendingWrite a = write("a", Priority.NORMAL);
		PendingWrite b = write("b", Priority.NORMAL);
		PendingWrite c = write("c", Priority.NORMAL);
		index.add(a);
		index.add(b);
		index.add(c);
		index.remove(b);
		index.remove(b);
		assertThat(index.keysByPriority(10, 0)).containsExactly("a", "c");
		assertThat(index.size()).isEqualTo(2);
	}

	private PendingWrite write(String key, Priority priority) {
		return write(key, priority, 0);
	}

	private PendingWrite write(String key, Priority priority, long createdNanos) {
		return new PendingWrite(RedisWrite.set(key, "v"), priority, ++this.sequence, createdNanos, PendingWrite.QUEUED,
				null, null, null);
	}

}
