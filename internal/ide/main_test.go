package ide_test

import (
	"testing"

	"coalitiongraph/internal/apitest"
)

func TestMain(m *testing.M) { apitest.Main(m) }
