package gateway_test

import (
	"net/http"
	"testing"
)

// GET /v1/models through the SDK: OpenAI's list shape from GATEWAY_MODELS.
func TestModels(t *testing.T) {
	e := newIdleEnv(t, map[string]string{"GATEWAY_MODELS": "whisper-1,whisper-large-v3"})
	c := e.client()
	page, err := c.Models.List(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if page.Object != "list" || len(page.Data) != 2 || page.Data[0].ID != "whisper-1" || page.Data[1].ID != "whisper-large-v3" {
		t.Fatalf("%s", page.RawJSON())
	}
	for _, m := range page.Data {
		if m.Object != "model" || m.OwnedBy != "xdna-worker" || !m.JSON.Created.Valid() {
			t.Fatalf("%s", m.RawJSON())
		}
	}
	m, err := c.Models.Get(testCtx(t), "whisper-large-v3")
	if err != nil || m.ID != "whisper-large-v3" {
		t.Fatalf("Get: %v %+v", err, m)
	}
	_, err = c.Models.Get(testCtx(t), "gpt-4")
	if apiErr := asAPIError(t, err); apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "model_not_found" {
		t.Fatalf("%d %s", apiErr.StatusCode, apiErr.RawJSON())
	}
}
