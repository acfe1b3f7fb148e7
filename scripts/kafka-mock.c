/*
 * A Kafka-protocol test broker: librdkafka's own mock cluster (Debian librdkafka-dev), driven
 * over stdin so tests can create topics and take brokers down and up. Test infrastructure only.
 *
 *   build:  cc -O2 -o kafka-mock scripts/kafka-mock.c -lrdkafka
 *   run:    ./kafka-mock [brokers=1]      prints "BOOTSTRAP host:port,..." then one "OK"/"ERR …" per command
 *   stdin:  topic <name> <partitions>     create a topic (the mock's admin API is not reachable from kafkajs)
 *           down <broker-id> | up <broker-id>
 *           quit                          (or close stdin) — the cluster and the process end
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  int brokers = argc > 1 ? atoi(argv[1]) : 1;
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  char line[512];
  while (fgets(line, sizeof(line), stdin)) {
    char cmd[32] = {0}, name[256] = {0};
    int n = 0;
    if (sscanf(line, "%31s", cmd) != 1) continue;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (strcmp(cmd, "topic") == 0 && sscanf(line, "%*s %255s %d", name, &n) == 2) {
      e = rd_kafka_mock_topic_create(mc, name, n, 1);
    } else if (strcmp(cmd, "down") == 0 && sscanf(line, "%*s %d", &n) == 1) {
      e = rd_kafka_mock_broker_set_down(mc, n);
    } else if (strcmp(cmd, "up") == 0 && sscanf(line, "%*s %d", &n) == 1) {
      e = rd_kafka_mock_broker_set_up(mc, n);
    } else if (strcmp(cmd, "quit") == 0) {
      break;
    } else {
      printf("ERR unknown command\n");
      fflush(stdout);
      continue;
    }
    if (e) printf("ERR %s\n", rd_kafka_err2str(e));
    else printf("OK\n");
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
