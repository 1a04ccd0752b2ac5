package io.github.agentmemory.sample.agents;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.StoreOutcome;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.ZAddOptions;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An agent-memory service: each agent has a state (a hash) and memories (a sorted set
 * scored by importance), stored through the resilient template.
 */
@RestController
@RequestMapping("/agents/{id}")
class AgentController {

	private final AsyncResilientRedisTemplate redis;

	private final String stateKeyPattern;

	AgentController(AsyncResilientRedisTemplate redis,
			@Value("${agent-memory.redis.agent-state.key-pattern:agent:{id}:state}") String stateKeyPattern) {
		this.redis = redis;
		this.stateKeyPattern = stateKeyPattern;
	}

	@PutMapping("/state")
	CompletableFuture<ResponseEntity<WriteResponse>> putState(@PathVariable String id,
			@RequestBody Map<String, String> state, @RequestParam(defaultValue = "NORMAL") Priority priority) {
		return this.redis.storeAgentState(id, state, priority).thenApply((outcome) -> respond(id, outcome));
	}

	@GetMapping("/state")
	CompletableFuture<ResponseEntity<Map<String, String>>> getState(@PathVariable String id) {
		return this.redis.hgetAll(this.stateKeyPattern.replace("{id}", id))
			.thenApply((state) -> state.isEmpty() ? ResponseEntity.notFound().build() : ResponseEntity.ok(state));
	}

	@PostMapping("/memories")
	CompletableFuture<ResponseEntity<WriteResponse>> remember(@PathVariable String id, @RequestBody Memory memory,
			@RequestParam(defaultValue = "NORMAL") Priority priority) {
		if (memory.text() == null || memory.score() == null) {
			throw new IllegalArgumentException("A memory needs a 'text' and a 'score'");
		}
		RedisWrite write = RedisWrite.zadd(memoriesKey(id), Map.of(memory.text(), memory.score()), ZAddOptions.none());
		return this.redis.write(write, priority)
			.thenApply((outcome) -> respond(id, new StoreOutcome(List.of(outcome))));
	}

	@GetMapping("/memories")
	CompletableFuture<List<Memory>> memories(@PathVariable String id, @RequestParam(defaultValue = "-inf") String min,
			@RequestParam(defaultValue = "+inf") String max) {
		return this.redis.zrangeByScoreWithScores(memoriesKey(id), score("min", min), score("max", max))
			.thenApply((members) -> members.stream().map((member) -> new Memory(member.member(), member.score()))
				.toList());
	}

	private static double score(String name, String value) {
		// "+inf" arrives as " inf" when the '+' is not URL-encoded
		return switch (value.trim()) {
			case "-inf" -> Double.NEGATIVE_INFINITY;
			case "+inf", "inf" -> Double.POSITIVE_INFINITY;
			default -> {
				try {
					yield Double.parseDouble(value);
				}
				catch (NumberFormatException ex) {
					throw new IllegalArgumentException("'" + name + "' must be a number, -inf or +inf, was '" + value + "'");
				}
			}
		};
	}

	private static String memoriesKey(String id) {
		return "agent:" + id + ":memories";
	}

	private static ResponseEntity<WriteResponse> respond(String id, StoreOutcome outcome) {
		WriteOutcome.Status status = outcome.status();
		String detail = outcome.writes()
			.stream()
			.filter((write) -> write.cause() != null)
			.map((write) -> ((write.dropReason() != null) ? write.dropReason() + ": " : "") + write.cause().getMessage())
			.findFirst()
			.orElse((status == WriteOutcome.Status.QUEUED) ? "waits behind earlier writes to the same key" : null);
		HttpStatus http = switch (status) {
			case APPLIED -> HttpStatus.OK;
			case QUEUED -> HttpStatus.ACCEPTED;
			case DROPPED -> HttpStatus.SERVICE_UNAVAILABLE;
			case FAILED -> HttpStatus.BAD_GATEWAY;
		};
		return ResponseEntity.status(http).body(new WriteResponse(id, status.name(), detail));
	}

	/**
	 * What became of a write.
	 *
	 * @param agentId the agent
	 * @param outcome {@code APPLIED}, {@code QUEUED}, {@code DROPPED} or {@code FAILED}
	 * @param detail why it was not applied at once, if it was not
	 */
	record WriteResponse(String agentId, String outcome, String detail) {

	}

	/**
	 * A memory and its importance.
	 *
	 * @param text what the agent remembers
	 * @param score how important it is
	 */
	record Memory(String text, Double score) {

	}

}
