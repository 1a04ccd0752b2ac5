package io.github.agentmemory.redis.test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rounds of {@code SET key round} to a few keys, {@code HIGH} and {@code NORMAL} in turn,
 * that record for every key the rounds in the order the template reported them applied.
 * Writes to one key are either replayed one after the other or pipelined on the one
 * connection to the key's node, whose replies complete in order, so that order is the
 * order in which Redis applied them.
 */
public final class OrderedWrites {

	private final AsyncResilientRedisTemplate template;

	private final String prefix;

	private final int keys;

	private final List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();

	private final List<CompletableFuture<WriteOutcome>> answers = new ArrayList<>();

	private final Map<String, List<Integer>> applied = new ConcurrentHashMap<>();

	private int rounds;

	/**
	 * Writes to keys {@code prefix + 0} to {@code prefix + (keys - 1)}.
	 * @param template the template
	 * @param prefix prefix of the keys
	 * @param keys number of keys
	 */
	public OrderedWrites(AsyncResilientRedisTemplate template, String prefix, int keys) {
		this.template = template;
		this.prefix = prefix;
		this.keys = keys;
	}

	/**
	 * Issue the next round: one write to every key.
	 */
	public void issueRound() {
		int round = this.rounds++;
		for (int i = 0; i < this.keys; i++) {
			String key = this.prefix + i;
			Priority priority = (i % 2 == 0) ? Priority.HIGH : Priority.NORMAL;
			List<Integer> order = this.applied.computeIfAbsent(key, (k) -> Collections.synchronizedList(new ArrayList<>()));
			CompletableFuture<WriteOutcome> answer = this.template.write(RedisWrite.set(key, String.valueOf(round)),
					priority);
			this.answers.add(answer);
			CompletableFuture<WriteOutcome> outcome = answer.thenCompose((first) -> (first.status() == Status.QUEUED) ? first.settlement()
						: CompletableFuture.completedFuture(first))
				.whenComplete((last, ex) -> {
					if (last != null && last.status() == Status.APPLIED) {
						order.add(round);
					}
				});
			this.outcomes.add(outcome);
		}
	}

	/**
	 * The first answers so far ({@code APPLIED}, {@code QUEUED}...), counted.
	 * @return count per status; empty until every write issued so far was answered
	 */
	public Map<Status, Integer> answers() {
		Map<Status, Integer> statuses = new EnumMap<>(Status.class);
		for (CompletableFuture<WriteOutcome> answer : this.answers) {
			if (!answer.isDone()) {
				return Map.of();
			}
			statuses.merge(answer.join().status(), 1, Integer::sum);
		}
		return statuses;
	}

	/**
	 * Whether every write has its final outcome.
	 * @return whether all are settled
	 */
	public boolean isSettled() {
		return this.outcomes.stream().allMatch(CompletableFuture::isDone);
	}

	/**
	 * Check that every write was applied or dropped only because a newer write to its key
	 * was applied first, that each key's writes were applied in issue order and that
	 * Redis holds the last round for every key.
	 * @param valueOf reads a key's value from Redis
	 */
	public void assertOrdered(Function<String, String> valueOf) {
		for (CompletableFuture<WriteOutcome> outcome : this.outcomes) {
			WriteOutcome last = outcome.join();
			if (last.status() != Status.APPLIED) {
				assertThat(last.status()).as("%s", last).isEqualTo(Status.DROPPED);
				assertThat(last.dropReason()).as("%s", last).isEqualTo(DropReason.SUPERSEDED);
			}
		}
		for (int i = 0; i < this.keys; i++) {
			String key = this.prefix + i;
			List<Integer> order = List.copyOf(this.applied.get(key));
			assertThat(order).as("rounds applied to %s, in order", key).isSorted().doesNotHaveDuplicates();
			assertThat(order).as("rounds applied to %s", key).last().isEqualTo(this.rounds - 1);
			assertThat(valueOf.apply(key)).as("value of %s", key).isEqualTo(String.valueOf(this.rounds - 1));
		}
	}

	/**
	 * How the writes ended.
	 * @return a one-line summary
	 */
	public String summary() {
		Map<Status, Integer> statuses = new EnumMap<>(Status.class);
		int superseded = 0;
		for (CompletableFuture<WriteOutcome> outcome : this.outcomes) {
			WriteOutcome last = outcome.getNow(null);
			if (last != null) {
				statuses.merge(last.status(), 1, Integer::sum);
				superseded += (last.dropReason() == DropReason.SUPERSEDED) ? 1 : 0;
			}
		}
		return this.outcomes.size() + " writes to " + this.keys + " keys in " + this.rounds + " rounds: " + statuses
				+ " (" + superseded + " superseded)";
	}

}
