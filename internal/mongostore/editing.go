package mongostore

import (
	"context"

	"coalitiongraph/internal/content"
)

// WORK IN PROGRESS (issue 9): the lead is writing these.

func (k *kind[T, F, O]) Publish(ctx context.Context, id string, version int) (*T, error) {
	return nil, content.Errorf(content.EInternal, "", "not yet")
}
func (k *kind[T, F, O]) Unpublish(ctx context.Context, id string, version int) (*T, error) {
	return nil, content.Errorf(content.EInternal, "", "not yet")
}
func (k *kind[T, F, O]) Archive(ctx context.Context, id string, version int) (*T, error) {
	return nil, content.Errorf(content.EInternal, "", "not yet")
}
func (k *kind[T, F, O]) Restore(ctx context.Context, id string, revision, version int) (*T, error) {
	return nil, content.Errorf(content.EInternal, "", "not yet")
}
func (k *kind[T, F, O]) History(ctx context.Context, id string, w content.Window) (content.Page[*content.Revision], error) {
	return content.Page[*content.Revision]{}, content.Errorf(content.EInternal, "", "not yet")
}
func (s *Store) Changes(ctx context.Context, after int64, limit int, types []content.TypeName) ([]*content.Change, bool, error) {
	return nil, false, content.Errorf(content.EInternal, "", "not yet")
}
func (s *Store) Revision(ctx context.Context) (int64, error) { return 0, nil }
