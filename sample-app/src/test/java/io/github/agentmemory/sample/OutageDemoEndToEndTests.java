package io.github.agentmemory.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Walks the README's outage demo over real HTTP against the sample app and its embedded
 * Redis.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1s")
class OutageDemoEndToEndTests {

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	@Autowired
	private TestRestTemplate http;

	@BeforeEach
	void redisIsUp() {
		post("/demo/redis/start");
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> "UP".equals(agentMemoryRedisHealth().get("status")));
	}

	@Test
	void writesRideOutAnOutageAndAreAppliedInOrderOnceRedisIsBack(CapturedOutput output) {
		assertThat(putState("7", "{\"position\":\"10,20\",\"health\":\"100\"}").getBody())
			.containsEntry("outcome", "APPLIED");
		assertThat(post("/demo/redis/stop").getStatusCode()).isEqualTo(HttpStatus.OK);

		for (String agent : List.of("7", "8", "9")) {
			ResponseEntity<Map<String, Object>> queued = putState(agent, "{\"health\":\"90\"}");
			assertThat(queued.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
			assertThat(queued.getBody()).containsEntry("outcome", "QUEUED");
		}
		assertThat(putState("7", "{\"health\":\"80\"}").getBody()).containsEntry("outcome", "QUEUED");
		assertThat(putState("7", "{\"mood\":\"calm\"}", "LOW").getBody()).containsEntry("outcome", "DROPPED");
		assertThat(get("/agents/7/state").getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);

		Map<String, Object> health = agentMemoryRedisHealth();
		assertThat(health).containsEntry("status", "CIRCUIT_OPEN");
		assertThat(details(health, "recoveryQueue")).containsEntry("size", 4).containsEntry("NORMAL", 4);
		assertThat(details(health, "dropped")).containsEntry("LOW_PRIORITY", 1);
		assertThat(get("/actuator/health/readiness").getStatusCode())
			.as("an open circuit does not take the service out of rotation")
			.isEqualTo(HttpStatus.OK);
		ResponseEntity<Map<String, Object>> overall = get("/actuator/health");
		assertThat(overall.getStatusCode()).as("the service still serves").isEqualTo(HttpStatus.OK);
		assertThat(overall.getBody().get("components")).as("Boot's own redis indicator is disabled")
			.asInstanceOf(InstanceOfAssertFactories.MAP)
			.doesNotContainKey("redis");
		assertThat(output).as("no health check stack trace").doesNotContain("Redis health check failed");
		assertThat(output).contains("is unavailable: circuit breaker 'agent-memory-redis' opened after");

		assertThat(post("/demo/redis/start").getStatusCode()).isEqualTo(HttpStatus.OK);
		ResponseEntity<Map<String, Object>> newest = putState("7", "{\"health\":\"70\"}");
		assertThat(newest.getBody().get("outcome")).isIn("APPLIED", "QUEUED");

		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			Map<String, Object> healthAfter = agentMemoryRedisHealth();
			assertThat(healthAfter).containsEntry("status", "UP");
			assertThat(details(healthAfter, "recoveryQueue")).containsEntry("size", 0);
		});
		assertThat(get("/agents/7/state").getBody())
			.as("the write issued after the restart is not overwritten by older queued ones")
			.containsExactlyInAnyOrderEntriesOf(Map.of("position", "10,20", "health", "70"));
		assertThat(get("/agents/8/state").getBody()).containsEntry("health", "90");
		assertThat(output).contains("is available again: circuit breaker 'agent-memory-redis' closed after");
		ResponseEntity<Map<String, Object>> events = get("/actuator/circuitbreakerevents/agent-memory-redis");
		assertThat(events.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(events.getBody().toString()).contains("STATE_TRANSITION").contains("CLOSED_TO_OPEN");
	}

	@Test
	void memoriesAreKeptInASortedSet() {
		assertThat(postJson("/agents/m1/memories", "{\"text\":\"met Bob\",\"score\":0.9}").getBody())
			.containsEntry("outcome", "APPLIED");
		postJson("/agents/m1/memories", "{\"text\":\"saw a bird\",\"score\":0.2}");
		ResponseEntity<List<Map<String, Object>>> important = this.http.exchange("/agents/m1/memories?min=0.5",
				HttpMethod.GET, null, new ParameterizedTypeReference<>() {
				});
		assertThat(important.getBody()).containsExactly(Map.of("text", "met Bob", "score", 0.9));
	}

	@Test
	void missingStateIsNotFound() {
		assertThat(get("/agents/nobody/state").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
	}

	@Test
	void badInputIsRejectedWithAClearMessage() {
		ResponseEntity<Map<String, Object>> malformed = putState("x", "{not json");
		assertThat(malformed.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(malformed.getBody().get("error").toString()).contains("Malformed request body");
		ResponseEntity<Map<String, Object>> empty = putState("x", "{}");
		assertThat(empty.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(empty.getBody().get("error").toString()).contains("'fields' must not be empty");
		ResponseEntity<Map<String, Object>> priority = putState("x", "{\"a\":\"b\"}", "URGENT");
		assertThat(priority.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(priority.getBody().get("error").toString()).contains("Unknown priority 'URGENT'");
		ResponseEntity<Map<String, Object>> nested = putState("x", "{\"a\":{\"b\":1}}");
		assertThat(nested.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
	}

	private ResponseEntity<Map<String, Object>> putState(String agent, String json) {
		return putState(agent, json, null);
	}

	private ResponseEntity<Map<String, Object>> putState(String agent, String json, String priority) {
		String url = "/agents/" + agent + "/state" + ((priority != null) ? "?priority=" + priority : "");
		return this.http.exchange(url, HttpMethod.PUT, jsonBody(json), JSON);
	}

	private ResponseEntity<Map<String, Object>> postJson(String url, String json) {
		return this.http.exchange(url, HttpMethod.POST, jsonBody(json), JSON);
	}

	private ResponseEntity<Map<String, Object>> get(String url) {
		return this.http.exchange(url, HttpMethod.GET, null, JSON);
	}

	private ResponseEntity<Map<String, Object>> post(String url) {
		return this.http.exchange(url, HttpMethod.POST, null, JSON);
	}

	private static HttpEntity<String> jsonBody(String json) {
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType(MediaType.APPLICATION_JSON);
		return new HttpEntity<>(json, headers);
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> agentMemoryRedisHealth() {
		Map<String, Object> health = this.http.exchange("/actuator/health", HttpMethod.GET, null, JSON).getBody();
		return (Map<String, Object>) ((Map<String, Object>) health.get("components")).get("agentMemoryRedis");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> details(Map<String, Object> health, String name) {
		return (Map<String, Object>) ((Map<String, Object>) health.get("details")).get(name);
	}

}
