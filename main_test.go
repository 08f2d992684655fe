package main

import (
	"testing"

	"coalitiongraph/internal/apitest"
)

// TestMain stops the embedded store the tests share (apitest.URI), when one started.
func TestMain(m *testing.M) { apitest.Main(m) }
