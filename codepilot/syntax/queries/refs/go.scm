(call_expression function: (identifier) @name) @ref.call
(call_expression function: (selector_expression operand: (_) @object field: (field_identifier) @name)) @ref.call
(composite_literal type: (type_identifier) @name) @ref.new
(type_identifier) @name @ref.type
