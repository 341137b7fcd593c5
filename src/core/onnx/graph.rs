//! An ONNX graph written node by node: each op's output gets a fresh name, weights become
//! initializers, and the result is one `ModelProto`.

use std::collections::HashSet;

use super::proto::{
    tensor_shape_proto, type_proto, AttributeProto, AttributeType, DataType, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

/// The opset the graph is written against: `LayerNormalization` needs 17, and onnxruntime-web
/// (Transformers.js) runs it.
pub const OPSET: i64 = 17;
/// The IR version that opset 17 requires.
const IR_VERSION: i64 = 8;

/// One dimension of a graph input or output.
#[derive(Debug, Clone, Copy)]
pub enum Dim {
    Fixed(usize),
    /// A dimension the caller chooses, by the name Transformers.js and Optimum give it.
    Named(&'static str),
}

/// An op's attribute.
pub enum Attribute {
    Int(&'static str, i64),
    Ints(&'static str, Vec<i64>),
    Float(&'static str, f32),
}

impl Attribute {
    fn into_proto(self) -> AttributeProto {
        let named = |name: &str, kind: AttributeType| AttributeProto {
            name: Some(name.to_string()),
            r#type: Some(kind as i32),
            ..AttributeProto::default()
        };
        match self {
            Attribute::Int(name, i) => AttributeProto { i: Some(i), ..named(name, AttributeType::Int) },
            Attribute::Ints(name, ints) => AttributeProto { ints, ..named(name, AttributeType::Ints) },
            Attribute::Float(name, f) => AttributeProto { f: Some(f), ..named(name, AttributeType::Float) },
        }
    }
}

/// A graph under construction.
#[derive(Default)]
pub struct GraphBuilder {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    initializer_names: HashSet<String>,
    values: usize,
}

impl GraphBuilder {
    /// Adds a node with one output and returns that output's name.
    pub fn op(&mut self, op_type: &str, inputs: &[&str], attributes: Vec<Attribute>) -> String {
        self.op_n(op_type, inputs, 1, attributes).remove(0)
    }

    /// Adds a node with `outputs` outputs and returns their names.
    pub fn op_n(&mut self, op_type: &str, inputs: &[&str], outputs: usize, attributes: Vec<Attribute>) -> Vec<String> {
        let names: Vec<String> = (0..outputs).map(|_| self.fresh(op_type)).collect();
        self.node(op_type, inputs, names, attributes)
    }

    /// Adds a node with one output of a chosen name: a graph output (`logits`).
    pub fn op_as(&mut self, output: &str, op_type: &str, inputs: &[&str], attributes: Vec<Attribute>) -> String {
        self.node(op_type, inputs, vec![output.to_string()], attributes).remove(0)
    }

    fn node(&mut self, op_type: &str, inputs: &[&str], names: Vec<String>, attributes: Vec<Attribute>) -> Vec<String> {
        let id = self.nodes.len();
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: names.clone(),
            name: Some(format!("{op_type}_{id}")),
            op_type: Some(op_type.to_string()),
            attribute: attributes.into_iter().map(Attribute::into_proto).collect(),
        });
        names
    }

    fn fresh(&mut self, hint: &str) -> String {
        self.values += 1;
        format!("{}_{}", hint.to_lowercase(), self.values)
    }

    /// Adds an initializer; a name already given is the same constant again (a scalar every
    /// layer uses), so it is written once.
    fn initializer(&mut self, name: &str, data_type: DataType, shape: &[usize], raw: Vec<u8>) -> String {
        if !self.initializer_names.insert(name.to_string()) {
            return name.to_string();
        }
        self.initializers.push(TensorProto {
            dims: shape.iter().map(|&d| d as i64).collect(),
            data_type: Some(data_type as i32),
            name: Some(name.to_string()),
            raw_data: Some(raw),
        });
        name.to_string()
    }

    /// A float initializer; `shape` `[]` is a scalar.
    pub fn floats(&mut self, name: &str, shape: &[usize], values: &[f32]) -> String {
        self.initializer(name, DataType::Float, shape, values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    pub fn int64s(&mut self, name: &str, shape: &[usize], values: &[i64]) -> String {
        self.initializer(name, DataType::Int64, shape, values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    pub fn int8s(&mut self, name: &str, shape: &[usize], values: &[i8]) -> String {
        self.initializer(name, DataType::Int8, shape, values.iter().map(|&v| v as u8).collect())
    }

    /// A float scalar constant, named after its use.
    pub fn scalar(&mut self, name: &str, value: f32) -> String {
        self.floats(name, &[], &[value])
    }

    pub fn input(&mut self, name: &str, data_type: DataType, dims: &[Dim]) {
        self.inputs.push(value_info(name, data_type, dims));
    }

    pub fn output(&mut self, name: &str, data_type: DataType, dims: &[Dim]) {
        self.outputs.push(value_info(name, data_type, dims));
    }

    pub fn into_model(self, name: &str, doc: String) -> ModelProto {
        ModelProto {
            ir_version: Some(IR_VERSION),
            producer_name: Some("tunelab".into()),
            producer_version: Some(env!("CARGO_PKG_VERSION").into()),
            doc_string: Some(doc),
            graph: Some(GraphProto {
                node: self.nodes,
                name: Some(name.to_string()),
                initializer: self.initializers,
                input: self.inputs,
                output: self.outputs,
            }),
            opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) }],
        }
    }
}

fn value_info(name: &str, data_type: DataType, dims: &[Dim]) -> ValueInfoProto {
    use tensor_shape_proto::dimension::Value;
    let dim = dims
        .iter()
        .map(|d| tensor_shape_proto::Dimension {
            value: Some(match d {
                Dim::Fixed(n) => Value::DimValue(*n as i64),
                Dim::Named(name) => Value::DimParam(name.to_string()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(data_type as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
    }
}
