// Command time-skipping-server runs a throwaway Temporal server (in-memory SQLite, loopback only)
// with the server's per-workflow time skipping turned on, for test/time-skipping.test.ts.
//
// It prints one JSON line, {"address": "127.0.0.1:PORT", "namespace": "NAME"}, once the server
// accepts connections, and runs until its standard input closes or it receives SIGINT/SIGTERM.
// Workflows skip time only when started with a TimeSkippingConfig (see the test's helpers).
package main

import (
	"encoding/json"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"
)

func main() {
	server := temporaltest.NewServer(temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
		dynamicconfig.WorkflowTimeSkippingEnabled.Key(): true,
		// Search attributes registered by the test are usable at once.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// No minimum life for a run before continueAsNew. The server enforces one (1 s by default) by
		// delaying the next run's first task, and in 1.32 a delayed first task of a time-skipping run
		// makes its clock jump by the whole time already skipped (a continued run of the metrics
		// schedule read on day 12 instead of day 7).
		dynamicconfig.WorkflowIdReuseMinimalInterval.Key(): time.Duration(0),
	})))
	ready, _ := json.Marshal(map[string]string{"address": server.GetFrontendHostPort(), "namespace": server.GetDefaultNamespace()})
	os.Stdout.Write(append(ready, '\n'))

	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-signals
		done <- struct{}{}
	}()
	<-done
	// The database lives in memory: exiting is the whole clean-up.
	os.Exit(0)
}
